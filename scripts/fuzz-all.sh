#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, for the given
# time each (default 60s), with one worker so that the figures of a shared
# machine stay comparable, and at most 5 s spent minimizing each new
# input (the default, 60 s, can take a whole run on a large HAR seed). A target that finds a failure stops the run: Go
# writes the input under the package's testdata/fuzz/<target>/, where it
# stays as a regression test once the bug is fixed.
#
# Usage: scripts/fuzz-all.sh [FUZZTIME] [PATTERN]
#   FUZZTIME  as go test -fuzztime takes it: 60s, 5m, 100000x (default 60s)
#   PATTERN   only the targets whose name matches this grep pattern
set -euo pipefail

fuzztime="${1:-60s}"
pattern="${2:-.}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# Every "func FuzzXxx(f *testing.F)" of a _test.go file (a helper whose name
# starts with Fuzz is no target), as "package-dir target".
targets="$(grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
	sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)([A-Za-z_][A-Za-z0-9_]* \*testing\.F).*/\1/p' "$file" | while read -r target; do
		echo "$(dirname "$file") $target"
	done
done | grep -e "$pattern" || true)"
if [[ -z "$targets" ]]; then
	echo "fuzz-all.sh: no fuzz target matches $pattern" >&2
	exit 2
fi

echo "go: $(go version | cut -d' ' -f3-), $(date -u +%Y-%m-%dT%H:%MZ), $fuzztime per target"
while read -r dir target; do
	start=$(date +%s)
	if ! out="$(go test "$dir" -run XXX -fuzz "^$target\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s -parallel 1 2>&1)"; then
		echo "$out" >&2
		echo "fuzz-all.sh: $dir $target FAILED" >&2
		exit 1
	fi
	execs="$(grep -o 'execs: [0-9]*' <<<"$out" | tail -1 | cut -d' ' -f2 || true)"
	printf '%-22s %-34s %4ss %10s execs  ok\n' "$dir" "$target" "$(($(date +%s) - start))" "${execs:-?}"
done <<<"$targets"
