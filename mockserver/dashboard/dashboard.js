// The taskmock dashboard: the request journal, live; the tasks the mock
// holds or was asked for; and, with the admin API, the controls a person
// needs while building a screen. Everything from the server is written
// into the page as text, never as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    latest: 0,
    admin: false,
    controls: {},
    tasks: [],
    task: null, // {api, id, job}
    selected: 0,
    entries: new Map(),
  };
  const maxRows = 500;

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("data-")) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }

  async function call(method, path, body) {
    const opts = { method, headers: {} };
    if (method !== "GET") opts.headers["Taskmock-Admin"] = "1";
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = body;
    }
    const res = await fetch(path, opts);
    let data = null;
    const text = await res.text();
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = { text }; }
    }
    return { status: res.status, data };
  }

  function say(text, ok) {
    const m = $("message");
    m.textContent = text;
    m.classList.toggle("ok", !!ok);
    m.hidden = !text;
  }

  function problem(r) {
    const d = r.data || {};
    return d.detail || d.error || "HTTP " + r.status;
  }

  function taskPath(kind, t) {
    let p = "/__taskmock/" + kind + "/" + encodeURIComponent(t.api) + "/" + encodeURIComponent(t.id);
    if (t.job) p += "?job=" + encodeURIComponent(t.job);
    return p;
  }

  // ---- the journal ----

  function statusClass(s) { return "s" + String(s).charAt(0); }

  function addRow(e) {
    state.entries.set(e.seq, e);
    const tr = el("tr", { "data-seq": String(e.seq), class: "fresh" + (e.violations && e.violations.length ? " violated" : "") });
    const t = new Date(e.time);
    const open = el("button", { type: "button", class: "row", text: t.toLocaleTimeString() });
    open.addEventListener("click", () => showRequest(e.seq));
    tr.append(
      el("td", {}, open),
      el("td", { text: e.method }),
      el("td", { class: "path", text: e.path + (e.query ? "?" + e.query : "") }),
      el("td", { class: statusClass(e.status), text: String(e.status) }),
      el("td", { text: e.response + (e.violations && e.violations.length ? " ⚠ " + e.violations.length : "") }),
      el("td", { text: String(Math.round(e.latencyNs / 1e6)) }),
      el("td", { class: "task", text: e.taskId ? e.api + " " + e.taskId : "" }),
    );
    const body = $("requests").tBodies[0];
    body.prepend(tr);
    while (body.rows.length > maxRows) {
      const last = body.rows[body.rows.length - 1];
      state.entries.delete(Number(last.dataset.seq));
      last.remove();
    }
    filterRows();
  }

  function filterRows() {
    const prefix = $("filter-path").value.trim();
    for (const tr of $("requests").tBodies[0].rows) {
      const e = state.entries.get(Number(tr.dataset.seq));
      tr.hidden = !!prefix && !(e && e.path.startsWith(prefix));
    }
  }

  function bodyText(b) {
    if (!b) return "";
    if (b.omitted) return "(" + b.size + " bytes, not kept: " + b.omitted + ")";
    if (b.base64) return "(" + b.size + " bytes of binary)";
    let text = b.text || "";
    try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* as sent */ }
    return text + (b.truncated ? "\n… (" + b.size + " bytes, cut)" : "");
  }

  function headerList(h) {
    const dl = el("dl", { class: "kv" });
    for (const [k, vs] of Object.entries(h || {})) {
      for (const v of vs) dl.append(el("dt", { text: k }), el("dd", { text: v }));
    }
    return dl;
  }

  function showRequest(seq) {
    const e = state.entries.get(seq);
    if (!e) return;
    state.selected = seq;
    for (const tr of $("requests").tBodies[0].rows) tr.classList.toggle("selected", Number(tr.dataset.seq) === seq);
    const d = $("request-detail");
    d.replaceChildren(
      el("h3", { text: e.method + " " + e.path + (e.query ? "?" + e.query : "") }),
      el("p", { text: e.status + " · " + e.response + " · " + (e.latencyNs / 1e6).toFixed(1) + " ms · " + new Date(e.time).toISOString() }),
    );
    if (e.violations && e.violations.length) {
      const ol = el("ol", { class: "violations-list", "aria-label": "self-check violations" });
      for (const v of e.violations) ol.append(el("li", { text: v.severity + " " + v.location + " " + v.rule + ": " + v.message }));
      d.append(el("h4", { text: "Self-check violations" }), ol);
    }
    if (e.taskId) {
      const b = el("button", { type: "button", text: "Open task " + e.taskId });
      const q = new URLSearchParams(e.query || "");
      b.addEventListener("click", () => openTask({ api: e.api, id: e.taskId, job: q.get("taskGroupJobId") || "" }));
      d.append(el("div", { class: "buttons" }, b));
    }
    d.append(
      el("h4", { text: "Request headers" }), headerList(e.requestHeader),
      el("h4", { text: "Request body" }), el("pre", { class: "body", tabIndex: 0, text: bodyText(e.requestBody) || "(none)" }),
      el("h4", { text: "Response headers" }), headerList(e.responseHeader),
      el("h4", { text: "Response body" }), el("pre", { class: "body response-body", tabIndex: 0, text: bodyText(e.responseBody) || "(none)" }),
    );
    d.hidden = false;
    d.focus();
  }

  let journalOff = false;
  async function pollJournal() {
    if ($("pause").checked || journalOff) return;
    const r = await call("GET", "/__taskmock/requests?limit=200&after=" + state.latest);
    if (r.status === 404) {
      journalOff = true;
      $("journal-off").hidden = false;
      return;
    }
    if (r.status !== 200) return;
    const list = r.data.requests || [];
    for (let i = list.length - 1; i >= 0; i--) addRow(list[i]);
    state.latest = Math.max(state.latest, r.data.latest || 0);
  }

  // ---- the tasks ----

  async function refreshTasks() {
    const r = await call("GET", "/__taskmock/state");
    if (r.status !== 200) {
      $("status").textContent = "the mock does not answer (" + r.status + ")";
      return;
    }
    const s = r.data;
    state.admin = s.admin;
    state.controls = s.controls;
    state.tasks = s.tasks;
    $("status").textContent = (s.admin ? "admin API on" : "read-only: no admin API") + " · journal " + (s.journal ? "on" : "off") + " · " + s.tasks.length + " tasks";
    $("admin-note").hidden = s.admin;
    for (const b of document.querySelectorAll("button.admin, .admin-form button, .admin-form select, .admin-form input")) b.disabled = !s.admin;
    const body = $("task-list").tBodies[0];
    const rows = [];
    for (const t of s.tasks) {
      const open = el("button", { type: "button", class: "row", text: t.id });
      open.addEventListener("click", () => openTask({ api: t.api, id: t.id, job: t.job || "" }));
      const held = el("td");
      if (t.stored) held.append(el("span", { class: "tag", text: "stored", title: t.source || "" }));
      if (t.touched) held.append(el("span", { class: "tag", text: "moved" }));
      if (t.requested) held.append(el("span", { class: "tag", text: "asked" }));
      if (t.next) held.append(el("span", { class: "tag next", text: "next: " + Object.entries(t.next).map(([k, v]) => k + "=" + v).join(" ") }));
      const tr = el("tr", { "data-api": t.api, "data-id": t.id },
        el("td", { text: t.api }), el("td", { class: "task" }, open), el("td", { class: "state", text: t.state || "—" }),
        el("td", { class: statusClass(t.status), text: String(t.status) }), held);
      rows.push(tr);
    }
    // Rebuilding the rows must not take the focus from a keyboard user
    // who is on one of them: it goes back to the same task's button.
    const had = document.activeElement && body.contains(document.activeElement) ? document.activeElement.closest("tr") : null;
    body.replaceChildren(...rows);
    if (had) {
      const again = rows.find((r) => r.dataset.api === had.dataset.api && r.dataset.id === had.dataset.id);
      if (again) again.querySelector("button.row").focus();
    }
    $("tasks-more").hidden = !s.more;
    $("tasks-more").textContent = s.more ? s.more + " more not listed" : "";
    if (state.task) {
      const t = s.tasks.find((x) => x.api === state.task.api && x.id.toUpperCase() === state.task.id.toUpperCase());
      $("force-waiting").textContent = t && t.next ? "Waiting for the next request: " + Object.entries(t.next).map(([k, v]) => k + "=" + v).join(", ") : "";
    }
  }

  function fillForce(api) {
    const c = state.controls[api] || { codes: [], states: [], field: "state" };
    const code = $("force-code");
    code.replaceChildren(el("option", { value: "", text: "—" }), ...c.codes.map((n) => el("option", { value: String(n), text: String(n) })));
    const st = $("force-state");
    st.replaceChildren(el("option", { value: "", text: "—" }), ...c.states.map((n) => el("option", { value: n, text: n })));
    $("force-state-label").firstChild.textContent = c.field + " ";
  }

  async function openTask(t) {
    state.task = t;
    $("task-title").textContent = t.api + " task " + t.id + (t.job ? " (job " + t.job + ")" : "");
    fillForce(t.api);
    $("editor").hidden = true;
    $("task-panel").hidden = false;
    $("task-panel").focus();
    await refreshView();
    await refreshTasks();
  }

  async function refreshView() {
    const t = state.task;
    if (!t) return null;
    const r = await call("GET", taskPath("view", t));
    if (r.status !== 200) {
      $("task-view").textContent = problem(r);
      return null;
    }
    const v = r.data;
    $("task-view").textContent = "HTTP " + v.status + "\n" + (v.body !== undefined ? JSON.stringify(v.body, null, 2) : v.text || "");
    return v;
  }

  // renderMarked writes value as indented JSON into pre, each value whose
  // JSON pointer is in marks wrapped in a <mark> titled with its messages.
  function renderMarked(pre, value, marks) {
    pre.replaceChildren();
    const esc = (k) => String(k).replace(/~/g, "~0").replace(/\//g, "~1");
    function render(v, path, depth, parent) {
      let out = parent;
      const m = marks.get(path);
      if (m) {
        out = el("mark", { title: m.join("; "), "data-loc": path || "/" });
        parent.append(out);
      }
      const pad = "  ".repeat(depth);
      if (v && typeof v === "object") {
        const arr = Array.isArray(v);
        const keys = arr ? v.map((_, i) => i) : Object.keys(v);
        out.append(arr ? "[" : "{");
        keys.forEach((k, i) => {
          out.append((i ? "," : "") + "\n" + pad + "  " + (arr ? "" : JSON.stringify(k) + ": "));
          render(v[k], path + "/" + esc(k), depth + 1, out);
        });
        out.append((keys.length ? "\n" + pad : "") + (arr ? "]" : "}"));
      } else {
        out.append(JSON.stringify(v));
      }
    }
    render(value, "", 0, pre);
  }

  async function saveEdit() {
    const t = state.task;
    const text = $("edit-json").value;
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      showEditErrors(null, [{ severity: "error", location: "body", rule: "json", message: "not JSON: " + e.message }]);
      return;
    }
    const r = await call("PUT", "/__taskmock/tasks/" + encodeURIComponent(t.api) + "/" + encodeURIComponent(t.id), text);
    if (r.status >= 200 && r.status < 300) {
      $("edit-errors").hidden = true;
      say("Saved: the mock now answers this task as edited.", true);
      await refreshView();
      await refreshTasks();
      return;
    }
    showEditErrors(parsed, (r.data && r.data.violations) || [{ severity: "error", location: "body", rule: "refused", message: problem(r) }]);
  }

  function showEditErrors(parsed, violations) {
    const ol = $("edit-violations");
    const marks = new Map();
    ol.replaceChildren(...violations.map((v) => {
      if (v.location && v.location.startsWith("/")) marks.set(v.location, (marks.get(v.location) || []).concat(v.rule + ": " + v.message));
      return el("li", { "data-loc": v.location || "", "data-rule": v.rule || "" },
        el("span", { class: "loc", text: (v.location || "—") + " " }), el("code", { text: v.rule || "" }), el("div", { text: v.message || "" }));
    }));
    if (parsed !== null) renderMarked($("edit-marked"), parsed, marks);
    else $("edit-marked").textContent = $("edit-json").value;
    $("edit-errors").hidden = false;
    const first = $("edit-marked").querySelector("mark");
    if (first) first.scrollIntoView({ block: "center" });
    say("Not saved: " + violations.length + (violations.length === 1 ? " violation" : " violations") + " (the task is unchanged).", false);
  }

  // ---- wiring ----

  function on(id, ev, f) { $(id).addEventListener(ev, (e) => { Promise.resolve(f(e)).catch((err) => say(String(err), false)); }); }

  on("filter-path", "input", filterRows);
  on("open-task", "submit", (e) => {
    e.preventDefault();
    return openTask({ api: $("open-api").value, id: $("open-id").value.trim(), job: $("open-job").value.trim() });
  });
  on("task-refresh", "click", async () => { await refreshView(); await refreshTasks(); });
  on("force", "submit", async (e) => {
    e.preventDefault();
    const t = state.task;
    const c = state.controls[t.api];
    const body = {};
    if ($("force-code").value) body.code = Number($("force-code").value);
    if ($("force-state").value) body[c.field] = $("force-state").value;
    if ($("force-delay").value.trim()) body.delay = $("force-delay").value.trim();
    if (!Object.keys(body).length) { say("Choose a code, a " + c.field + " or a delay to force.", false); return; }
    const r = await call("PUT", taskPath("next", { api: t.api, id: t.id }), JSON.stringify(body));
    if (r.status === 204) say("The next request for this task gets " + Object.entries(body).map(([k, v]) => k + "=" + v).join(", ") + ".", true);
    else say("Not forced: " + problem(r), false);
    await refreshTasks();
  });
  on("force-cancel", "click", async () => {
    const r = await call("DELETE", taskPath("next", { api: state.task.api, id: state.task.id }));
    say(r.status === 204 ? "The forced answer is cancelled." : problem(r), r.status === 204);
    await refreshTasks();
  });
  on("task-edit", "click", async () => {
    const v = await refreshView();
    $("edit-json").value = v && v.body !== undefined ? JSON.stringify(v.body, null, 2) : "";
    $("edit-errors").hidden = true;
    $("editor").hidden = false;
    $("edit-json").focus();
  });
  on("edit-save", "click", saveEdit);
  on("edit-close", "click", () => { $("editor").hidden = true; });
  on("task-reset", "click", async () => {
    const r = await call("DELETE", taskPath("world", state.task));
    say(r.status === 204 ? "The task is back to its untouched story." : problem(r), r.status === 204);
    await refreshView();
    await refreshTasks();
  });
  on("reset-all", "click", async () => {
    const r = await call("POST", "/__taskmock/reset");
    say(r.status === 204 ? "Every task and job is back to its untouched story." : problem(r), r.status === 204);
    await refreshView();
    await refreshTasks();
  });
  on("clear-journal", "click", async () => {
    const r = await call("DELETE", "/__taskmock/requests");
    if (r.status === 204) {
      $("requests").tBodies[0].replaceChildren();
      state.entries.clear();
      $("request-detail").hidden = true;
    } else say(problem(r), false);
  });

  async function tick() {
    try { await pollJournal(); } catch (e) { $("status").textContent = "the mock does not answer"; }
  }
  async function slowTick() {
    try { await refreshTasks(); } catch (e) { $("status").textContent = "the mock does not answer"; }
  }
  slowTick().then(tick);
  setInterval(tick, 1000);
  setInterval(slowTick, 3000);
})();
