#!/usr/bin/env bash
# Drives a running-from-scratch taskmock serve from a web page on another
# origin in headless Chromium: the page (served from http://app.example:PORT,
# a name Chromium resolves to 127.0.0.1) reassigns an Oracle task with a
# JSON POST, which the browser preflights, then GETs the task and prints
# what it sees. The check passes when the POST answered 204 and the GET
# shows the new assignee with substate REASSIGNED, and when the same page's
# attempt to reset the mock through the admin API fails.
#
# Usage: scripts/browser-reassign-check.sh [TASKMOCK_BINARY]
# Needs chromium (Debian package) and python3. Listens on 127.0.0.1 only.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

bin="${1:-}"
if [[ -z "$bin" ]]; then
	(cd "$repo" && go build -o "$work/taskmock" ./cmd/taskmock)
	bin="$work/taskmock"
fi
command -v chromium >/dev/null || { echo "browser-reassign-check: chromium not found (apt-get install chromium)" >&2; exit 2; }

"$bin" serve --addr 127.0.0.1:0 --admin >"$work/serve.out" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
	mock="$(grep -o -m1 'listening on http://[0-9.:]*' "$work/serve.out" | sed 's/listening on //' || true)"
	[[ -n "$mock" ]] && break
	sleep 0.05
done
[[ -n "$mock" ]] || { echo "browser-reassign-check: serve did not start" >&2; cat "$work/serve.out" >&2; exit 1; }
mock_port="${mock##*:}"

# A task whose story is open (a closed one cannot be reassigned).
task=""
for i in $(seq 0 200); do
	if curl -sf "$mock/process/api/v1/tasks/browser-check-$i" | grep -q '"state":"ASSIGNED"'; then
		task="browser-check-$i"
		break
	fi
done
[[ -n "$task" ]] || { echo "browser-reassign-check: no open task found" >&2; exit 1; }

mkdir "$work/site"
cat >"$work/site/index.html" <<HTML
<!doctype html>
<title>reassign</title>
<pre id="out">running</pre>
<script>
const api = "http://mock.example:${mock_port}/process/api/v1/tasks/${task}";
const out = document.getElementById("out");
(async () => {
  const lines = [];
  try {
    const r = await fetch(api + "/reassign", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({identities: [{id: "browser.user", type: "USER"}], comment: "from the page"}),
    });
    lines.push("reassign " + r.status);
    const g = await fetch(api);
    const t = await g.json();
    lines.push("get " + g.status + " substate=" + t.substate + " assignee=" + JSON.stringify(t.assignees || t.assignee || null));
  } catch (e) {
    lines.push("error " + e);
  }
  try {
    const a = await fetch("http://mock.example:${mock_port}/__taskmock/reset", {method: "POST", headers: {"Taskmock-Admin": "1"}});
    lines.push("admin " + a.status);
  } catch (e) {
    lines.push("admin blocked");
  }
  out.textContent = lines.join("\n");
})();
</script>
HTML
(cd "$work/site" && exec python3 -m http.server --bind 127.0.0.1 0) >"$work/site.out" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
	site_port="$(grep -o -m1 'port [0-9]*' "$work/site.out" | cut -d' ' -f2 || true)"
	[[ -n "$site_port" ]] && break
	sleep 0.05
done

dom="$(chromium --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
	--host-resolver-rules="MAP app.example 127.0.0.1, MAP mock.example 127.0.0.1" \
	--virtual-time-budget=10000 --dump-dom "http://app.example:${site_port}/index.html" 2>/dev/null)"
result="$(sed -n '/<pre id="out">/,/<\/pre>/p' <<<"$dom" | sed -e 's/<[^>]*>//g')"
echo "$result"
status=0
grep -q '^reassign 204$' <<<"$result" || { echo "FAIL: the reassign did not answer 204" >&2; status=1; }
grep -q 'substate=REASSIGNED' <<<"$result" && grep -q 'browser.user' <<<"$result" ||
	{ echo "FAIL: the GET does not show the new assignee" >&2; status=1; }
grep -q '^admin blocked$\|^admin 403$' <<<"$result" || { echo "FAIL: the page reached the admin API" >&2; status=1; }
exit "$status"
