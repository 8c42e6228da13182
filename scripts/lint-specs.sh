#!/usr/bin/env bash
# lint-specs.sh lints taskmock's OpenAPI documents with Redocly CLI (rules in
# redocly.yaml) and Spectral (rules in .spectral.yaml). It exits non-zero if
# either linter reports an error; warnings are printed but do not fail.
#
# Usage: scripts/lint-specs.sh   (needs Node.js >= 20.19 and npx)
set -euo pipefail

readonly REDOCLY_VERSION=2.77.0
readonly SPECTRAL_VERSION=6.16.3

cd "$(dirname "${BASH_SOURCE[0]}")/.."

specs=(specs/esri-tps-gettask.yaml specs/oracle-opa-get-task.yaml)

export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true

status=0

echo "== Redocly CLI ${REDOCLY_VERSION}"
# With no file arguments, Redocly lints every API listed in redocly.yaml,
# each with its own rule overrides.
npx --yes "@redocly/cli@${REDOCLY_VERSION}" lint --config redocly.yaml || status=1

echo "== Spectral ${SPECTRAL_VERSION}"
npx --yes "@stoplight/spectral-cli@${SPECTRAL_VERSION}" lint \
  --ruleset .spectral.yaml --fail-severity error "${specs[@]}" || status=1

if [[ ${status} -ne 0 ]]; then
  echo "lint-specs: errors found" >&2
else
  echo "lint-specs: no errors"
fi
exit "${status}"
