// Ember's admin page: one WebSocket to /admin/ws carries the login, every request (with the
// CSRF token the server sent in its hello) and the overview's samples, pushed each second.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const HISTORY = 900; // samples kept: fifteen minutes, as the game keeps
  const pending = new Map();
  let ws = null, csrf = null, nextId = 1, tab = "overview", taskOffset = 0;
  const series = {
    time: [], lag50: [], lag99: [], late50: [], late99: [], cps: [], pending: [],
    taskQueue: [], worldQueue: [], taskCommit: [], worldCommit: [],
  };
  const charts = [];

  function setState(state) {
    $("state").dataset.state = state;
    $("state").textContent = state;
  }

  function say(text, error) {
    $("message").textContent = text;
    $("message").className = error ? "error" : "";
  }

  function request(op, args) {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== WebSocket.OPEN) { reject(new Error("Not connected.")); return; }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, op, args: args || {}, csrf }));
    });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${scheme}//${location.host}/admin/ws`);
    ws.onopen = () => setState("connected");
    ws.onclose = () => {
      setState("closed");
      for (const waiter of pending.values()) waiter.reject(new Error("Connection closed."));
      pending.clear();
    };
    ws.onmessage = (event) => receive(JSON.parse(event.data));
  }

  function receive(message) {
    if (message.type === "hello") {
      csrf = message.csrf;
      const loggedIn = Boolean(message.account);
      $("login").hidden = loggedIn;
      $("app").hidden = !loggedIn;
      $("logout").hidden = !loggedIn;
      $("who").textContent = loggedIn ? message.account : "";
      $("who").dataset.account = message.account || "";
      if (loggedIn) { makeCharts(); } else { $("login-name").focus(); }
    } else if (message.type === "reply") {
      const waiter = pending.get(message.id);
      if (!waiter) { if (!message.ok) say(message.error, true); return; }
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result); else waiter.reject(new Error(message.error));
    } else if (message.type === "samples") {
      addSamples(message);
    }
  }

  // -- login -------------------------------------------------------------------------------

  async function logIn() {
    $("login-error").textContent = "";
    try {
      const result = await request("login",
        { name: $("login-name").value, password: $("login-password").value });
      // The ticket is traded for the HttpOnly cookie by a plain page load.
      location.href = "/admin/session?ticket=" + encodeURIComponent(result.ticket);
    } catch (error) {
      $("login-error").textContent = error.message;
    }
  }

  // -- overview ------------------------------------------------------------------------------

  const ms = (seconds) => (seconds * 1000).toFixed(1) + " ms";
  const mib = (bytes) => (bytes / 1048576).toFixed(1) + " MiB";
  function duration(seconds) {
    const s = Math.floor(seconds), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
    const m = Math.floor(s % 3600 / 60);
    return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + (s % 60) + "s";
  }

  function makeCharts() {
    if (charts.length || typeof uPlot === "undefined") return;
    const specs = [
      ["Loop lag (ms)", [["p50", "lag50", "#1f77b4"], ["p99", "lag99", "#d62728"]]],
      ["Timer lateness (ms)", [["p50", "late50", "#2ca02c"], ["p99", "late99", "#ff7f0e"]]],
      ["Commands/s", [["commands/s", "cps", "#9467bd"]]],
      ["Pending tasks", [["pending", "pending", "#8c564b"]]],
      ["Store commit p99 (ms)",
        [["tasks", "taskCommit", "#17becf"], ["world", "worldCommit", "#bcbd22"]]],
      ["Writes waiting", [["tasks", "taskQueue", "#17becf"], ["world", "worldQueue", "#bcbd22"]]],
    ];
    for (const [title, lines] of specs) {
      const box = document.createElement("div");
      box.className = "chart";
      $("charts").appendChild(box);
      const options = {
        title, width: 440, height: 200,
        series: [{}, ...lines.map(([label, , stroke]) => ({ label, stroke, width: 1.5 }))],
        axes: [{}, { size: 60 }],
      };
      const chart = new uPlot(options, [[], ...lines.map(() => [])], box);
      charts.push({ chart, keys: lines.map(([, key]) => key) });
    }
  }

  function addSamples(message) {
    for (const s of message.samples) {
      series.time.push(s.time);
      series.lag50.push(s.lag_p50 * 1000); series.lag99.push(s.lag_p99 * 1000);
      series.late50.push(s.lateness_p50 * 1000); series.late99.push(s.lateness_p99 * 1000);
      series.cps.push(s.commands_per_second); series.pending.push(s.pending_tasks);
      series.taskQueue.push(s.task_writer_queue); series.worldQueue.push(s.world_writer_queue);
      series.taskCommit.push(s.task_commit_p99 * 1000);
      series.worldCommit.push(s.world_commit_p99 * 1000);
    }
    for (const key of Object.keys(series)) {
      if (series[key].length > HISTORY) series[key].splice(0, series[key].length - HISTORY);
    }
    const last = message.samples[message.samples.length - 1];
    if (last) {
      $("f-accounts").textContent = last.accounts;
      $("f-sessions").textContent = last.sessions;
      $("f-commands").textContent = last.commands_per_second.toFixed(1);
      $("f-lag").textContent = ms(last.lag_p50) + " / " + ms(last.lag_p99);
      $("f-lateness").textContent = ms(last.lateness_p50) + " / " + ms(last.lateness_p99);
      $("f-pending").textContent = last.pending_tasks;
      $("f-task-writer").textContent = last.task_writer_queue + " / " + ms(last.task_commit_p99);
      $("f-world-writer").textContent =
        last.world_writer_queue + " / " + ms(last.world_commit_p99);
      $("f-rss").textContent = mib(message.portal_rss) + " / " + mib(last.rss);
    }
    $("f-uptime").textContent = duration(message.uptime);
    const reload = message.last_reload;
    $("f-reload").textContent = reload && reload.at
      ? new Date(reload.at * 1000).toLocaleString() + (reload.ok ? "" : " (failed)")
      : "game started " + new Date(message.started * 1000).toLocaleString();
    for (const { chart, keys } of charts) {
      chart.setData([series.time, ...keys.map((key) => series[key])]);
    }
    const box = $("charts");
    box.dataset.samples = series.time.length;
    box.dataset.last = series.time.length ? series.time[series.time.length - 1] : 0;
  }

  // -- tables ------------------------------------------------------------------------------

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  function button(row, label, onClick) {
    const td = row.lastChild && row.lastChild.dataset.actions ? row.lastChild : cell(row, "");
    td.dataset.actions = "1";
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.action = label;
    b.addEventListener("click", onClick);
    td.appendChild(b);
  }

  async function act(question, op, args) {
    if (!window.confirm(question)) { say("Nothing done."); return; }
    try {
      say(await request(op, args));
    } catch (error) {
      say(error.message, true);
    }
    refresh();
  }

  function fill(tbody, rows, draw) {
    const body = $(tbody);
    body.replaceChildren();
    for (const item of rows) {
      const row = document.createElement("tr");
      draw(row, item);
      body.appendChild(row);
    }
  }

  async function showSessions() {
    fill("sessions", await request("sessions"), (row, s) => {
      row.dataset.sid = s.sid;
      for (const value of [s.sid, s.account, s.character, s.protocol, s.address,
        duration(s.idle), s.client]) cell(row, value);
      button(row, "kick", () => act(`Disconnect session ${s.sid} (${s.account || "not logged in"})?`,
        "kick", { sid: s.sid }));
    });
  }

  const TASK_BUTTONS = {
    scheduled: [["pause", "pause"], ["run now", "do_task"], ["cancel", "cancel"]],
    paused: [["unpause", "unpause"], ["run now", "do_task"], ["cancel", "cancel"]],
    failed: [["retry", "retry"], ["remove", "remove"]],
    orphaned: [["retry", "retry"], ["remove", "remove"]],
  };

  async function showTasks() {
    const page = await request("tasks", {
      state: $("task-state").value, owner: $("task-owner").value,
      callback: $("task-callback").value, offset: taskOffset, limit: 50,
    });
    if (page.total && taskOffset >= page.total) { taskOffset = 0; return showTasks(); }
    const end = Math.min(page.offset + page.rows.length, page.total);
    $("task-range").textContent = page.total ? `${page.offset + 1}–${end} of ${page.total}` : "none";
    $("task-range").dataset.total = page.total;
    $("task-states").textContent = Object.entries(page.states)
      .map(([state, count]) => `${state}: ${count}`).join(", ");
    fill("tasks", page.rows, (row, t) => {
      row.dataset.task = t.id;
      row.dataset.state = t.state;
      for (const value of [t.id, t.callback, t.owner, t.state,
        t.due === null ? "–" : duration(t.due), t.args]) cell(row, value);
      cell(row, t.error).className = "error";
      for (const [label, action] of TASK_BUTTONS[t.state] || []) {
        button(row, label, () => act(`${label} task ${t.id} (${t.callback})?`, "task",
          { id: t.id, action }));
      }
    });
  }

  async function showJobs() {
    const found = await request("jobs");
    fill("jobs", found.jobs, (row, j) => {
      row.dataset.job = j.key;
      const progress = j.progress === null ? "–" : Math.round(j.progress * 100) + "%";
      for (const value of [j.key, j.name, j.executor, j.owner, duration(j.elapsed),
        progress + (j.label ? " " + j.label : "")]) cell(row, value);
      button(row, "cancel", () => act(`Cancel background job ${j.key} (${j.name})?`,
        "job_cancel", { key: j.key }));
    });
    fill("flows", found.flows, (row, f) => {
      row.dataset.flow = f.number;
      const left = f.remaining === null ? "" : f.remaining.toFixed(1) + " s";
      for (const value of [f.number, f.name, f.caller, f.waits, left]) cell(row, value);
      button(row, "cancel", () => act(`Cancel interactive function ${f.number} (${f.name})?`,
        "flow_cancel", { number: f.number }));
    });
    $("flows").dataset.time = found.time; // when the game answered (tests wait for it)
  }

  async function showWorld() {
    const counts = await request("world");
    $("world-total").textContent = `${counts.objects} objects`;
    fill("world-classes", counts.classes, (row, [name, count]) => {
      cell(row, name); cell(row, count);
    });
  }

  async function searchWorld() {
    const found = await request("world_search", { query: $("world-query").value });
    fill("world-found", found, (row, o) => {
      for (const value of [`#${o.id}`, o.key, o.class, o.location]) cell(row, value);
      button(row, "show", () => showObject(o.id));
    });
    if (!found.length) say("Nothing found.");
  }

  async function showObject(id) {
    const obj = await request("world_object", { id });
    const box = $("world-object");
    box.replaceChildren();
    if (!obj) { say(`No object #${id}.`, true); return; }
    const title = document.createElement("h3");
    title.textContent = `#${obj.id} ${obj.key} (${obj.class})`;
    const pre = document.createElement("pre");
    pre.textContent = Object.entries(obj.attributes).map(([k, v]) => `${k} = ${v}`).join("\n")
      || "(no attributes)";
    box.append(title, pre);
  }

  const VIEWS = { sessions: showSessions, tasks: showTasks, jobs: showJobs, world: showWorld };

  async function refresh() {
    const view = VIEWS[tab];
    if (!view) return;
    try { await view(); } catch (error) { say(error.message, true); }
  }

  function showTab(name) {
    tab = name;
    for (const b of document.querySelectorAll("nav button")) {
      b.classList.toggle("active", b.dataset.tab === name);
    }
    for (const section of document.querySelectorAll(".tab")) {
      section.hidden = section.id !== "tab-" + name;
    }
    refresh();
  }

  // -- wiring ------------------------------------------------------------------------------

  $("login-button").addEventListener("click", logIn);
  $("login-password").addEventListener("keydown", (e) => { if (e.key === "Enter") logIn(); });
  $("logout").addEventListener("click", async () => {
    try { await request("logout"); } finally { location.reload(); }
  });
  for (const b of document.querySelectorAll("nav button")) {
    b.addEventListener("click", () => showTab(b.dataset.tab));
  }
  for (const id of ["task-state", "task-owner", "task-callback"]) {
    $(id).addEventListener("change", () => { taskOffset = 0; refresh(); });
  }
  $("task-prev").addEventListener("click", () => { taskOffset = Math.max(0, taskOffset - 50); refresh(); });
  $("task-next").addEventListener("click", () => {
    if (taskOffset + 50 < Number($("task-range").dataset.total || 0)) taskOffset += 50;
    refresh();
  });
  $("world-search").addEventListener("click", searchWorld);
  $("world-query").addEventListener("keydown", (e) => { if (e.key === "Enter") searchWorld(); });
  // Tables other than the overview refresh every few seconds while shown.
  setInterval(() => { if (tab !== "overview" && tab !== "world") refresh(); }, 3000);
  connect();
})();
