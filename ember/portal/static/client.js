// Ember's web client: one WebSocket to the portal, JSON messages (docs/web-client.md).
"use strict";

(() => {
  const MAX_LINES = 5000;        // scrollback kept in the output pane
  const MAX_HISTORY = 200;       // input lines kept for up/down
  const BACKOFF_MIN = 0.5, BACKOFF_MAX = 30;   // seconds between reconnect attempts
  const FINAL_CODES = new Set([1000, 1003, 1008, 1009]);  // closes not worth retrying

  const $ = (id) => document.getElementById(id);
  const output = $("output"), input = $("input"), state = $("state"), promptBox = $("prompt");
  const accountBox = $("account"), loginForm = $("login"), reconnectButton = $("reconnect");

  const client = {
    ws: null, connects: 0, attempts: 0, timer: null, account: null, hidden: false,
    history: [], historyIndex: 0, draft: "", progress: new Map(), limits: {},
    openLine: null, sgr: {}, following: true,
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
      case "text": write(String(message.text)); break;
      case "prompt": showPrompt(String(message.text)); break;
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

  function showPrompt(text) {
    promptBox.textContent = text;
    promptBox.hidden = false;
    line(text, "prompt-line");
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

  // Text may hold ANSI SGR colour codes; colours carry over between messages, as on a terminal.
  function write(text) {
    const parts = text.replace(/\r\n?/g, "\n").split(/(\x1b\[[0-9;:?]*[A-Za-z])/);
    for (const part of parts) {
      if (!part) continue;
      if (part.startsWith("\x1b[")) {
        if (part.endsWith("m")) applySgr(part.slice(2, -1));
        continue;  // other control sequences are dropped
      }
      const pieces = part.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "").split("\n");
      pieces.forEach((piece, index) => {
        if (index > 0) client.openLine = null;
        if (!piece && index < pieces.length - 1) { ensureLine(); return; }
        if (piece) ensureLine().appendChild(span(piece));
      });
      if (part.endsWith("\n")) client.openLine = null;
    }
    while (output.childElementCount > MAX_LINES) output.firstElementChild.remove();
    follow();
  }

  function ensureLine() {
    if (!client.openLine) {
      client.openLine = document.createElement("div");
      client.openLine.className = "line";
      output.appendChild(client.openLine);
    }
    return client.openLine;
  }

  function span(text) {
    const s = client.sgr, element = document.createElement("span");
    const classes = [];
    let fg = s.fg, bg = s.bg;
    if (s.inverse) [fg, bg] = [bg ?? 0, fg ?? 7];
    if (s.bold) classes.push("b");
    if (s.dim) classes.push("d");
    if (s.italic) classes.push("i");
    if (s.underline) classes.push("u");
    if (typeof fg === "number" && fg < 16) classes.push(`fg${fg}`);
    else if (fg !== undefined) element.style.color = colour(fg);
    if (typeof bg === "number" && bg < 16) classes.push(`bg${bg}`);
    else if (bg !== undefined) element.style.backgroundColor = colour(bg);
    if (classes.length) element.className = classes.join(" ");
    element.textContent = text;
    return element;
  }

  function colour(value) {
    if (typeof value === "string") return value;
    if (value < 232) {
      const n = value - 16, steps = [0, 95, 135, 175, 215, 255];
      return `rgb(${steps[Math.floor(n / 36)]},${steps[Math.floor(n / 6) % 6]},${steps[n % 6]})`;
    }
    const grey = 8 + (value - 232) * 10;
    return `rgb(${grey},${grey},${grey})`;
  }

  function applySgr(body) {
    const codes = body === "" ? [0] : body.split(/[;:]/).map((c) => Number(c) || 0);
    const s = client.sgr;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) { for (const key of Object.keys(s)) delete s[key]; }
      else if (c === 1) s.bold = true;
      else if (c === 2) s.dim = true;
      else if (c === 3) s.italic = true;
      else if (c === 4) s.underline = true;
      else if (c === 7) s.inverse = true;
      else if (c === 22) { s.bold = false; s.dim = false; }
      else if (c === 23) s.italic = false;
      else if (c === 24) s.underline = false;
      else if (c === 27) s.inverse = false;
      else if (c >= 30 && c <= 37) s.fg = c - 30;
      else if (c >= 90 && c <= 97) s.fg = c - 90 + 8;
      else if (c === 39) delete s.fg;
      else if (c >= 40 && c <= 47) s.bg = c - 40;
      else if (c >= 100 && c <= 107) s.bg = c - 100 + 8;
      else if (c === 49) delete s.bg;
      else if (c === 38 || c === 48) {
        const key = c === 38 ? "fg" : "bg";
        if (codes[i + 1] === 5) { s[key] = codes[i + 2] ?? 0; i += 2; }
        else if (codes[i + 1] === 2) {
          s[key] = `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})`;
          i += 4;
        }
      }
    }
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
