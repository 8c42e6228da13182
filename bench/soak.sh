#!/usr/bin/env bash
# Soak test of taskmock serve: sends a bounded number of mixed requests
# (bench/soak.lua: both APIs, Esri GET and form POST, errors forced with
# Prefer, scenario=progress polls of new tasks, admin PUTs of new tasks)
# with wrk, checks every response, and checks that the server's peak RSS
# (VmHWM) stays under a bound and that the admin API kept no more tasks
# than its bound (1,000 by default).
#
# Listens on 127.0.0.1 only; wrk runs at most --max-duration; every
# process the script starts is stopped when it exits. Exit status 0 when
# no response was unexpected and the peak RSS is under --max-rss-mb, 1
# otherwise.
#
# Usage: bench/soak.sh [--requests 1000000] [--connections 32] [--threads 2]
#                      [--max-rss-mb 64] [--max-duration 30m]
set -euo pipefail

requests=1000000
connections=32
threads=2
max_rss_mb=64
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

name=soak.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_wrk

echo "building taskmock" >&2
(cd "$repo" && go build -o "$work/taskmock" ./cmd/taskmock)

start taskmock "$work/taskmock" serve --addr 127.0.0.1:0 --admin
curl -sf -o "$work/task.json" "$base/process/api/v1/tasks/soak-template"

echo "soak: $requests requests, wrk $threads threads, $connections connections, at most $max_duration; $(date -u +%Y-%m-%dT%H:%MZ)"
mkdir "$work/done"
SOAK_REQUESTS="$requests" SOAK_THREADS="$threads" SOAK_TASK="$work/task.json" SOAK_DONE="$work/done" \
	wrk --threads "$threads" --connections "$connections" --duration "$max_duration" --timeout 5s \
	--script "$repo/bench/soak.lua" "$base" >"$work/wrk.out" &
wrk_pid=$!
pids+=("$wrk_pid")
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
now_kib=$(rss_kib "$pid" VmRSS)
hwm_kib=$(rss_kib "$pid" VmHWM)
anon_kib=$(rss_kib "$pid" RssAnon)
file_kib=$(rss_kib "$pid" RssFile)
stored=$(curl -sf "$base/__taskmock/tasks" | grep -o '"id"' | wc -l)
echo "taskmock: RSS $((now_kib / 1024)) MB now ($((anon_kib / 1024)) MB anonymous, $((file_kib / 1024)) MB of the executable)," \
	"peak $((hwm_kib / 1024)) MB (bound $max_rss_mb MB); $stored tasks stored by the admin API"

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
if ((stored > 1000)); then
	echo "soak.sh: FAIL: the admin API kept $stored tasks, over its bound of 1000" >&2
	status=1
fi
if ((hwm_kib > max_rss_mb * 1024)); then
	echo "soak.sh: FAIL: peak RSS $((hwm_kib / 1024)) MB over $max_rss_mb MB" >&2
	status=1
fi
exit "$status"
