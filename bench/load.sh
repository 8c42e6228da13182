#!/usr/bin/env bash
# Load benchmark of taskmock serve against a bare net/http server.
#
# Builds taskmock and bench/bare, then for each scenario (Oracle GET, Esri
# GET, Esri form POST, and "mixed": GETs with Esri updateTask and Oracle
# reassign on pools of tasks, so that the world keeps state) starts a fresh taskmock serve and runs wrk against it
# with bench/random.lua (a new random task id on every request), then does
# the same against the bare server, which answers one fixed body of the
# size of a typical Oracle task. Prints requests/s, p50 and p99 latency,
# peak RSS (VmHWM) of each server, and the ratio taskmock/bare, all
# measured in the same run. Also measures the start-up time of taskmock
# serve: from process start to the first 200 from /__taskmock/health.
#
# Then the request journal's cost: for each scenario, --rounds times
# (default 3), taskmock with its journal on (the default, 1,000 exchanges)
# and taskmock --journal 0 run side by side, each under its own wrk with
# half the connections, at the same time, so that the two share whatever
# else the machine does; with --pin both servers share CPU 1. Prints each
# round's req/s and the ratio on/off, and the median ratio.
#
# Everything listens on 127.0.0.1 only, every run is bounded by --duration,
# and every process the script starts is stopped when it exits.
#
# With --pin, each server runs on CPU 1 (taskset, GOMAXPROCS=1) and wrk
# with one thread on CPU 0, so that the two do not take each other's core:
# the ratio is then one core's worth of taskmock against one of bare.
#
# With --rate N, the connections together offer about N requests/s instead
# of as many as the server can answer (each waits between its requests), so
# the latency is that of a server with headroom rather than of a queue:
# at saturation, 32 connections wait on average 32 / (req/s) whatever the
# server. The ratio column is then empty; compare the latencies.
#
# Usage: bench/load.sh [--duration 10s] [--connections 32] [--threads 2]
#                      [--scenarios "oracle esri-get esri-post mixed"]
#                      [--startup-runs 10] [--pin] [--rate N] [--rounds 3]
set -euo pipefail

duration=10s
connections=32
threads=2
scenarios="oracle esri-get esri-post mixed"
startup_runs=10
pin=""
rate=""
rounds=3

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
	case "$1" in
	--duration) duration="$2"; shift 2 ;;
	--connections) connections="$2"; shift 2 ;;
	--threads) threads="$2"; shift 2 ;;
	--scenarios) scenarios="$2"; shift 2 ;;
	--startup-runs) startup_runs="$2"; shift 2 ;;
	--pin) pin=1; shift ;;
	--rate) rate="$2"; shift 2 ;;
	--rounds) rounds="$2"; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "load.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
if ! [[ "$duration" =~ ^[0-9]+[smh]?$ ]]; then
	echo "load.sh: --duration must be like 10s, 1m" >&2
	exit 2
fi
if ! [[ "$rounds" =~ ^[0-9]{1,2}$ ]]; then
	echo "load.sh: --rounds must be a whole number from 0 to 99" >&2
	exit 2
fi
if [[ -n "$rate" ]] && ! [[ "$rate" =~ ^[1-9][0-9]*$ ]]; then
	echo "load.sh: --rate must be a whole number of requests/s" >&2
	exit 2
fi

name=load.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_wrk

echo "building taskmock and bench/bare" >&2
(cd "$repo" && go build -o "$work/taskmock" ./cmd/taskmock && go build -o "$work/bare" ./bench/bare)

# With --pin: servers on CPU 1, wrk on CPU 0 with one thread.
server_cpu=()
wrk_cpu=()
if [[ -n "$pin" ]]; then
	if [[ $(nproc) -lt 2 ]] || ! command -v taskset >/dev/null; then
		echo "load.sh: --pin needs two CPUs and taskset" >&2
		exit 2
	fi
	server_cpu=(env GOMAXPROCS=1 taskset -c 1)
	wrk_cpu=(taskset -c 0)
	threads=1
fi

# run_wrk SCENARIO BASE: runs wrk and prints its RESULT line.
run_wrk() {
	BENCH_SCENARIO="$1" BENCH_RATE="$rate" BENCH_CONNECTIONS="$connections" BENCH_THREADS="$threads" "${wrk_cpu[@]}" wrk --threads "$threads" --connections "$connections" --duration "$duration" \
		--timeout 5s --script "$repo/bench/random.lua" "$2" | grep '^RESULT '
}

# field NAME LINE: the value of NAME=VALUE in a RESULT line.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# check_answer SCENARIO BASE: one request of the scenario must be a task.
check_answer() {
	local esri="/arcgis/rest/services/SampleService/TopographicProductionServer/workflows/tasks/getTask"
	local ids="taskGroupJobId=A031377A-E3C5-4C1A-A081-56285228A3A3&taskOperationId=F6208AD7-D10C-4E1C-AB8A-6CA429AD559C"
	local body
	case "$1" in
	oracle) body="$(curl -sf "$2/process/api/v1/tasks/42")" ;;
	esri-get) body="$(curl -sf "$2$esri?f=json&$ids")" ;;
	esri-post) body="$(curl -sf -d "f=json&$ids" "$2$esri")" ;;
	mixed)
		check_answer oracle "$2"
		check_answer esri-post "$2"
		return 0
		;;
	*) echo "load.sh: unknown scenario $1" >&2; exit 2 ;;
	esac
	if [[ "$1" == oracle && "$body" != *'"state":'* ]] || [[ "$1" != oracle && "$body" != *'"success":true'* ]]; then
		echo "load.sh: $1 does not answer a task: $body" >&2
		exit 1
	fi
}

# A typical Oracle task, the body of the bare server.
start taskmock "$work/taskmock" serve --addr 127.0.0.1:0
curl -sf -o "$work/body.json" "$base/process/api/v1/tasks/0f3c1e62-5a1b-11ef-9a4e-0242ac15001b"
stop "$pid"
body_bytes=$(wc -c <"$work/body.json")

echo
echo "load: wrk, $threads threads, $connections connections, $duration per run${rate:+, offering $rate req/s}; bare body $body_bytes bytes${pin:+; pinned: servers on CPU 1, wrk on CPU 0}"
echo "go: $(go version | cut -d' ' -f3-), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
printf '%-10s %-9s %10s %9s %9s %9s %8s %7s\n' scenario server req/s p50 p99 peak_rss errors ratio
for scenario in $scenarios; do
	start taskmock "${server_cpu[@]}" "$work/taskmock" serve --addr 127.0.0.1:0
	check_answer "$scenario" "$base"
	mock="$(run_wrk "$scenario" "$base")"
	mock_rss=$(rss_kib "$pid" VmHWM)
	stop "$pid"

	start bare "${server_cpu[@]}" "$work/bare" --addr 127.0.0.1:0 --body "$work/body.json"
	bare="$(run_wrk "$scenario" "$base")"
	bare_rss=$(rss_kib "$pid" VmHWM)
	stop "$pid"

	ratio=""
	if [[ -z "$rate" ]]; then
		ratio=$(awk -v a="$(field rps "$mock")" -v b="$(field rps "$bare")" 'BEGIN { printf "%.2f", a / b }')
	fi
	for row in "taskmock|$mock|$mock_rss|$ratio" "bare|$bare|$bare_rss|"; do
		IFS='|' read -r server line rss r <<<"$row"
		printf '%-10s %-9s %10s %7sms %7sms %7sMB %8s %7s\n' "$scenario" "$server" "$(field rps "$line")" \
			"$(awk -v u="$(field p50_us "$line")" 'BEGIN { printf "%.2f", u / 1000 }')" \
			"$(awk -v u="$(field p99_us "$line")" 'BEGIN { printf "%.2f", u / 1000 }')" \
			"$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" \
			"$(($(field errors "$line") + $(field non2xx "$line")))" "$r"
	done
done

# The journal's cost: journal on and off side by side, --rounds times.
if [[ "$rounds" -gt 0 ]]; then
	half=$(((connections + 1) / 2))
	echo
	echo "journal on (default) and off (--journal 0) side by side, each with its own wrk of $half connections${rate:+ offering half of $rate req/s}, $rounds rounds of $duration:"
	printf '%-10s %6s %10s %10s %8s %9s %9s\n' scenario round on_req/s off_req/s on/off on_p99 off_p99
	for scenario in $scenarios; do
		ratios=()
		for ((round = 1; round <= rounds; round++)); do
			start journal-on "${server_cpu[@]}" "$work/taskmock" serve --addr 127.0.0.1:0
			on_pid=$pid on_base=$base
			start journal-off "${server_cpu[@]}" "$work/taskmock" serve --addr 127.0.0.1:0 --journal 0
			off_pid=$pid off_base=$base
			check_answer "$scenario" "$on_base"
			check_answer "$scenario" "$off_base"
			for side in on off; do
				b=$on_base
				if [[ "$side" == off ]]; then b=$off_base; fi
				BENCH_SCENARIO="$scenario" BENCH_RATE="${rate:+$((rate / 2))}" BENCH_CONNECTIONS="$half" BENCH_THREADS=1 "${wrk_cpu[@]}" \
					wrk --threads 1 --connections "$half" --duration "$duration" --timeout 5s --script "$repo/bench/random.lua" "$b" \
					>"$work/wrk-$side.out" 2>&1 &
				pids+=("$!")
			done
			wait "${pids[@]: -2}"
			stop "$on_pid"
			stop "$off_pid"
			on="$(grep '^RESULT ' "$work/wrk-on.out")"
			off="$(grep '^RESULT ' "$work/wrk-off.out")"
			r=$(awk -v a="$(field rps "$on")" -v b="$(field rps "$off")" 'BEGIN { printf "%.3f", a / b }')
			ratios+=("$r")
			printf '%-10s %6s %10s %10s %8s %7sms %7sms\n' "$scenario" "$round" "$(field rps "$on")" "$(field rps "$off")" "$r" \
				"$(awk -v u="$(field p99_us "$on")" 'BEGIN { printf "%.2f", u / 1000 }')" \
				"$(awk -v u="$(field p99_us "$off")" 'BEGIN { printf "%.2f", u / 1000 }')"
		done
		sorted="$(printf '%s\n' "${ratios[@]}" | sort -n)"
		echo "$scenario: median on/off $(sed -n "$(((rounds + 1) / 2))p" <<<"$sorted") (min $(head -1 <<<"$sorted"), max $(tail -1 <<<"$sorted"))"
	done
fi

# Start-up: from process start to the first 200 of the health check, on a
# port known to be free (the one the kernel gave the previous run).
if [[ "$startup_runs" -gt 0 ]]; then
	start taskmock "$work/taskmock" serve --addr 127.0.0.1:0
	port="${base##*:}"
	stop "$pid"
	times=()
	for ((run = 0; run < startup_runs; run++)); do
		t0=$(date +%s%N)
		"$work/taskmock" serve --addr "127.0.0.1:$port" >/dev/null 2>&1 &
		pid=$!
		pids+=("$pid")
		ok=""
		for ((i = 0; i < 5000; i++)); do
			if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/__taskmock/health"; then
				ok=1
				break
			fi
		done
		t1=$(date +%s%N)
		stop "$pid"
		if [[ -z "$ok" ]]; then
			echo "load.sh: taskmock serve did not answer its health check" >&2
			exit 1
		fi
		times+=($(((t1 - t0) / 1000000)))
	done
	sorted="$(printf '%s\n' "${times[@]}" | sort -n)"
	echo
	echo "start-up to the first 200 of /__taskmock/health, $startup_runs runs (curl polling, ~5 ms resolution):" \
		"min $(head -1 <<<"$sorted") ms, median $(sed -n "$(((startup_runs + 1) / 2))p" <<<"$sorted") ms," \
		"max $(tail -1 <<<"$sorted") ms"
fi
