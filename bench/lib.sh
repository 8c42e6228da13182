# Shared by bench/load.sh and bench/soak.sh: source it, after setting
# $name (the script's name, for messages). It sets $repo and $work (a
# temporary directory removed on exit), and stops every process started
# with start (or added to $pids) when the script exits.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# need_wrk: installs wrk from Debian's packages when it is missing.
need_wrk() {
	if command -v wrk >/dev/null; then return 0; fi
	echo "$name: installing wrk" >&2
	local sudo=""
	if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
	$sudo apt-get install -y wrk >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y wrk >/dev/null; }
}

# start LABEL CMD...: runs CMD in the background, waits for the
# "listening on http://ADDR" line of its standard output, and sets $pid
# and $base.
start() {
	local label="$1"
	shift
	local out="$work/$label.out"
	: >"$out"
	"$@" >"$out" 2>/dev/null &
	pid=$!
	pids+=("$pid")
	local i
	for ((i = 0; i < 500; i++)); do
		base="$(grep -o -m1 'listening on http://[0-9.:]*' "$out" | sed 's/listening on //' || true)"
		if [[ -n "$base" ]]; then return 0; fi
		if ! kill -0 "$pid" 2>/dev/null; then break; fi
		sleep 0.01
	done
	echo "$name: $label did not start: $(cat "$out")" >&2
	exit 1
}

# stop PID: stops a process started by start.
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# rss_kib PID FIELD: a memory figure of PID from /proc, in KiB: VmHWM
# (the peak resident set size) or VmRSS (the current one).
rss_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
