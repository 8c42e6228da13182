#!/usr/bin/env bash
# Soak test of taskmock serve: sends a bounded number of mixed requests
# (bench/soak.lua: both APIs, Esri GET and form POST, errors forced with
# Prefer, admin PUTs of new tasks) with wrk, checks every response, and
# checks that the server's peak RSS (VmHWM) stays under a bound.
#
# Listens on 127.0.0.1 only; wrk runs at most --max-duration; every
# process the script starts is stopped when it exits. Exit status 0 when
# no response was unexpected and the peak RSS is under --max-rss-mb, 1
# otherwise.
#
# Usage: bench/soak.sh [--requests 1000000] [--connections 32] [--threads 2]
#                      [--max-rss-mb 50] [--max-duration 30m]
set -euo pipefail

requests=1000000
connections=32
threads=2
max_rss_mb=50
max_duration=30m

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
	case "$1" in
	--requests) requests="$2"; shift 2 ;;
	--connections) connections="$2"; shift 2 ;;
	--threads) threads="$2"; shift 2 ;;
	--max-rss-mb) max_rss_mb="$2"; shift 2 ;;
	--max-duration) max_duration="$2"; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "soak.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
if ! [[ "$requests" =~ ^[0-9]+$ && "$max_rss_mb" =~ ^[0-9]+$ && "$max_duration" =~ ^[0-9]+[smh]?$ ]]; then
	echo "soak.sh: --requests and --max-rss-mb are numbers, --max-duration like 30m" >&2
	exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
pid=""
wrk_pid=""

cleanup() {
	local p
	for p in "$wrk_pid" "$pid"; do
		if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v wrk >/dev/null; then
	echo "soak.sh: installing wrk" >&2
	sudo=""
	if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
	$sudo apt-get install -y wrk >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y wrk >/dev/null; }
fi

echo "building taskmock" >&2
(cd "$repo" && go build -o "$work/taskmock" ./cmd/taskmock)

"$work/taskmock" serve --addr 127.0.0.1:0 --admin >"$work/serve.out" 2>/dev/null &
pid=$!
base=""
for ((i = 0; i < 500; i++)); do
	base="$(grep -o -m1 'listening on http://[0-9.:]*' "$work/serve.out" | sed 's/listening on //' || true)"
	if [[ -n "$base" ]] || ! kill -0 "$pid" 2>/dev/null; then break; fi
	sleep 0.01
done
if [[ -z "$base" ]]; then
	echo "soak.sh: taskmock serve did not start" >&2
	exit 1
fi
curl -sf -o "$work/task.json" "$base/process/api/v1/tasks/soak-template"

echo "soak: $requests requests, wrk $threads threads, $connections connections, at most $max_duration; $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir "$work/done"
SOAK_REQUESTS="$requests" SOAK_THREADS="$threads" SOAK_TASK="$work/task.json" SOAK_DONE="$work/done" \
	wrk --threads "$threads" --connections "$connections" --duration "$max_duration" --timeout 5s \
	--script "$repo/bench/soak.lua" "$base" >"$work/wrk.out" &
wrk_pid=$!
# Each thread marks its share done; then SIGINT makes wrk stop and report.
while kill -0 "$wrk_pid" 2>/dev/null; do
	if (($(find "$work/done" -type f | wc -l) >= threads)); then
		kill -INT "$wrk_pid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
wait "$wrk_pid" || true
out="$(cat "$work/wrk.out")"
sed -n '/^SOAK /,$p' <<<"$out"
rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
hwm_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
stored=$(curl -sf "$base/__taskmock/tasks" | grep -o '"id"' | wc -l)
echo "taskmock: RSS $((rss_kib / 1024)) MB now, peak $((hwm_kib / 1024)) MB (bound $max_rss_mb MB); $stored tasks stored by the admin API"

sent=$(sed -n 's/^SOAK requests=\([0-9]*\).*/\1/p' <<<"$out")
unexpected=$(sed -n 's/^SOAK .*unexpected=\([0-9]*\).*/\1/p' <<<"$out")
status=0
if [[ -z "$sent" || "$sent" -lt "$requests" ]]; then
	echo "soak.sh: FAIL: only ${sent:-0} of $requests responses within $max_duration" >&2
	status=1
fi
if [[ "${unexpected:-1}" -ne 0 ]]; then
	echo "soak.sh: FAIL: $unexpected unexpected responses" >&2
	status=1
fi
if ((hwm_kib > max_rss_mb * 1024)); then
	echo "soak.sh: FAIL: peak RSS $((hwm_kib / 1024)) MB over $max_rss_mb MB" >&2
	status=1
fi
exit "$status"
