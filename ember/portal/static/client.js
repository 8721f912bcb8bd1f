// Ember's web client: one WebSocket to the portal, JSON messages (docs/web-client.md).
"use strict";

(() => {
  const MAX_LINES = 5000;        // scrollback kept in the output pane
  const MAX_HISTORY = 200;       // input lines kept for up/down
  const BACKOFF_MIN = 0.5, BACKOFF_MAX = 30;   // seconds between reconnect attempts
  const FINAL_CODES = new Set([1000, 1003, 1008, 1009]);  // closes not worth retrying

  const $ = (id) => document.getElementById(id);
  const output = $("output"), input = $("input"), state = $("state"), promptBox = $("prompt");
  const statusBox = $("gamestatus");
  const accountBox = $("account"), loginForm = $("login"), reconnectButton = $("reconnect");

  const client = {
    ws: null, connects: 0, attempts: 0, timer: null, account: null, hidden: false,
    history: [], historyIndex: 0, draft: "", progress: new Map(), limits: {},
    openLine: null, following: true, oob: {},
  };
  window.ember = client;  // for tests and the curious

  // -- connection ---------------------------------------------------------------------------

  function setState(name, label) {
    state.dataset.state = name;
    state.dataset.connects = String(client.connects);
    state.textContent = label || name;
    reconnectButton.hidden = name !== "disconnected";
    loginForm.hidden = name !== "connected" || client.account !== null;
  }

  function connect() {
    clearTimeout(client.timer);
    client.timer = null;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    client.ws = ws;
    setState(client.attempts ? "reconnecting" : "connecting",
             client.attempts ? "reconnecting…" : "connecting…");
    ws.onopen = () => {
      client.connects += 1;
      client.attempts = 0;
      setState("connected");
      sendInfo();
    };
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      handle(message);
    };
    ws.onclose = (event) => {
      if (client.ws !== ws) return;
      client.ws = null;
      setAccount(null);
      if (FINAL_CODES.has(event.code)) {
        notice(`Disconnected${event.reason ? ` (${event.reason})` : ""}.`);
        setState("disconnected");
        return;
      }
      const delay = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** client.attempts);
      const wait = delay * (0.75 + Math.random() * 0.25);
      client.attempts += 1;
      if (client.attempts === 1) {
        notice(event.code === 1001 ? "The server went away; reconnecting…"
                                   : "Connection lost; reconnecting…");
      }
      setState("reconnecting", `reconnecting in ${Math.ceil(wait)} s…`);
      client.timer = setTimeout(connect, wait * 1000);
    };
  }

  function send(message) {
    if (!client.ws || client.ws.readyState !== WebSocket.OPEN) {
      notice("Not connected; your input was not sent.");
      return false;
    }
    client.ws.send(JSON.stringify(message));
    return true;
  }

  function sendInfo() {
    const probe = document.createElement("span");
    probe.textContent = "MMMMMMMMMM";
    output.appendChild(probe);
    const charWidth = probe.getBoundingClientRect().width / 10 || 9;
    const lineHeight = probe.getBoundingClientRect().height || 18;
    probe.remove();
    const cols = Math.floor((output.clientWidth - 24) / charWidth);
    const rows = Math.floor(output.clientHeight / lineHeight);
    send({ type: "info", cols, rows, client: "ember-web" });
  }

  // -- what the portal sends ------------------------------------------------------------------

  function handle(message) {
    switch (message.type) {
      case "hello": client.limits = message; break;
      case "text": write(runsOf(message)); break;
      case "prompt": showPrompt(message); break;
      case "oob": handleOob(message); break;
      case "progress": showProgress(message); break;
      case "echo": setHidden(Boolean(message.hidden)); break;
      case "login": setAccount(message.account ?? null); break;
      case "error": line(String(message.message), "error"); break;
      default: break;  // pong, and types of later versions
    }
  }

  function setAccount(name) {
    client.account = name;
    accountBox.dataset.account = name || "";
    accountBox.textContent = name ? `logged in as ${name}` : "not logged in";
    loginForm.hidden = !client.ws || client.ws.readyState !== WebSocket.OPEN || name !== null;
  }

  function setHidden(hidden) {
    client.hidden = hidden;
    input.type = hidden ? "password" : "text";
  }

  function showPrompt(message) {
    promptBox.textContent = String(message.text ?? "");
    promptBox.hidden = false;
    const element = document.createElement("div");
    element.className = "line prompt-line";
    for (const [text, style] of runsOf(message)) element.appendChild(span(String(text), style));
    append(element);
    client.openLine = null;
  }

  function showProgress(message) {
    const job = String(message.job);
    const fraction = Math.max(0, Math.min(1, Number(message.fraction) || 0));
    let bar = client.progress.get(job);
    if (!bar || !bar.isConnected) {
      bar = document.createElement("div");
      bar.className = "progress";
      bar.dataset.job = job;
      bar.innerHTML = '<span class="bar"><span class="fill"></span></span><span class="label"></span>';
      client.progress.set(job, bar);
      append(bar);
      client.openLine = null;
    }
    const percent = Math.round(fraction * 100);
    bar.dataset.fraction = String(fraction);
    bar.dataset.done = String(fraction >= 1);
    bar.querySelector(".fill").style.width = `${percent}%`;
    bar.querySelector(".label").textContent = `${message.label || job} ${percent}%`;
    if (fraction >= 1) client.progress.delete(job);
  }

  // -- the output pane ------------------------------------------------------------------------

  // Following is a state, not a guess made per message: it ends only when the reader scrolls
  // up and resumes when they scroll back to the bottom. Content that grows after it was added
  // (a bar's label and fill) and a pane that shrinks (the question box, the login form) keep
  // it pinned, through a MutationObserver and a ResizeObserver that run after each change.
  function atBottom() {
    return output.scrollHeight - output.scrollTop - output.clientHeight <= 4;
  }

  function follow() {
    if (client.following) output.scrollTop = output.scrollHeight;
  }

  output.addEventListener("scroll", () => {
    // Scroll events come from the reader, or from follow() landing at the bottom; a scroll
    // that does not end at the bottom is the reader leaving it.
    client.following = atBottom();
  }, { passive: true });
  new MutationObserver(follow).observe(output, { childList: true, subtree: true, characterData: true });
  new ResizeObserver(follow).observe(output);

  function append(element) {
    output.appendChild(element);
    while (output.childElementCount > MAX_LINES) output.firstElementChild.remove();
    follow();
  }

  function line(text, cls) {
    const element = document.createElement("div");
    element.className = `line ${cls || ""}`;
    element.textContent = text;
    append(element);
    client.openLine = null;
  }

  function notice(text) { line(text, "notice"); }

  // Game text comes as [text, style] runs (spans) when it has colour, else as plain text.
  // Each message starts plain: colour never carries over to the next (markup is closed
  // by the portal at the end of every message).
  function write(runs) {
    for (const [raw, style] of runs) {
      const pieces = String(raw).replace(/\r\n?/g, "\n").split("\n");
      pieces.forEach((piece, index) => {
        if (index > 0) client.openLine = null;
        if (!piece && index < pieces.length - 1) { ensureLine(); return; }
        if (piece) ensureLine().appendChild(span(piece, style));
      });
    }
    while (output.childElementCount > MAX_LINES) output.firstElementChild.remove();
    follow();
  }

  function runsOf(message) {
    return Array.isArray(message.spans) ? message.spans : [[String(message.text ?? ""), {}]];
  }

  function ensureLine() {
    if (!client.openLine) {
      client.openLine = document.createElement("div");
      client.openLine.className = "line";
      output.appendChild(client.openLine);
    }
    return client.openLine;
  }

  // The classes are those of ember.text.render_html; client.css colours fg-N / bg-N.
  function span(text, style) {
    const element = document.createElement("span");
    const classes = [];
    if (style && typeof style === "object") {
      if (Number.isInteger(style.fg) && style.fg >= 0 && style.fg < 256) classes.push(`fg-${style.fg}`);
      if (Number.isInteger(style.bg) && style.bg >= 0 && style.bg < 256) classes.push(`bg-${style.bg}`);
      if (style.bold) classes.push("bold");
      if (style.underline) classes.push("underline");
    }
    if (classes.length) element.className = classes.join(" ");
    element.textContent = text;  // never innerHTML: game text is text
    return element;
  }

  // -- client data (GMCP on telnet) -------------------------------------------------------------

  // Each `oob` message becomes a DOM event on window, "ember:oob" with {package, data} as its
  // detail, for a game's own scripts; the last Room.Info and Char.Vitals fill the status line.
  function handleOob(message) {
    const packageName = String(message.package || "");
    if (!packageName) return;
    client.oob[packageName] = message.data;
    window.dispatchEvent(new CustomEvent("ember:oob", { detail: { package: packageName, data: message.data } }));
    const key = packageName.toLowerCase();
    if (key === "room.info" || key === "char.vitals") showStatus();
  }

  function showStatus() {
    const parts = [];
    const room = client.oob["Room.Info"] ?? client.oob["room.info"];
    if (room && typeof room === "object") {
      if (room.name) parts.push(String(room.name));
      const exits = room.exits && typeof room.exits === "object"
        ? (Array.isArray(room.exits) ? room.exits : Object.keys(room.exits)) : [];
      if (exits.length) parts.push(`exits: ${exits.map(String).join(", ")}`);
    }
    const vitals = client.oob["Char.Vitals"] ?? client.oob["char.vitals"];
    if (vitals && typeof vitals === "object") {
      parts.push(Object.entries(vitals).slice(0, 8).map(([k, v]) => `${k} ${v}`).join(" · "));
    }
    statusBox.textContent = parts.join(" — ");
    statusBox.hidden = parts.length === 0;
  }

  // -- input ----------------------------------------------------------------------------------

  // A line that may carry a password: its first word (letters only, so `connect/x`, `CR`
  // and `@connect` count) is "connect" or "create" or an abbreviation of either. Such lines
  // are echoed with the password masked and never kept in the history, whatever the game
  // makes of them. A message of several lines is checked line by line.
  const FIRST_WORD = /^\s*[^A-Za-z\s]*([A-Za-z]+)/;

  function isLoginLine(one) {
    const match = FIRST_WORD.exec(one);
    if (!match) return false;
    const word = match[1].toLowerCase();
    return "connect".startsWith(word) || "create".startsWith(word);
  }

  function masked(one) {
    if (!isLoginLine(one)) return one;
    const words = one.trim().split(/\s+/);
    return words.length > 2 ? `${words[0]} ${words[1]} ********` : one;
  }

  function submitLine(text) {
    if (!send({ type: "line", text })) return;
    const lines = text.split(/\r\n|\r|\n/);
    const secret = client.hidden || lines.some(isLoginLine);
    const shown = client.hidden ? "********" : lines.map(masked).join("\n");
    line(shown, "echo");
    promptBox.hidden = true;
    if (!secret && text.trim() && client.history[client.history.length - 1] !== text) {
      client.history.push(text);
      if (client.history.length > MAX_HISTORY) client.history.shift();
    }
    client.historyIndex = client.history.length;
    client.draft = "";
  }

  $("command").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    submitLine(text);
  });

  input.addEventListener("keydown", (event) => {
    const history = client.history;
    if (event.key === "ArrowUp" && client.historyIndex > 0) {
      if (client.historyIndex === history.length) client.draft = input.value;
      client.historyIndex -= 1;
      input.value = history[client.historyIndex];
    } else if (event.key === "ArrowDown" && client.historyIndex < history.length) {
      client.historyIndex += 1;
      input.value = client.historyIndex === history.length ? client.draft : history[client.historyIndex];
    } else {
      return;
    }
    event.preventDefault();
    input.setSelectionRange(input.value.length, input.value.length);
  });

  function login(verb) {
    const name = $("login-name").value.trim(), password = $("login-password").value;
    if (!name || !password) return;
    $("login-password").value = "";
    submitLine(`${verb} ${name} ${password}`);
    input.focus();
  }
  loginForm.addEventListener("submit", (event) => { event.preventDefault(); login("connect"); });
  $("login-create").addEventListener("click", () => login("create"));
  reconnectButton.addEventListener("click", () => { client.attempts = 0; connect(); });

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (client.ws) sendInfo(); }, 300);
  });

  connect();
  input.focus();
})();
