// coach companion page: follows the session over a websocket and sends the
// same commands as the keyboard. No external assets; works offline.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const RING = 2 * Math.PI * 52;
  let ws = null, backoff = 500, last = null, lastAt = 0, wakeLock = null, ended = false;

  function words(n) { return String(n); }
  function mmss(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }
  const phaseNames = {
    "intro": "Welcome", "setup": "Get into position", "ready": "Get ready", "move": "Move",
    "hold": "Hold", "breathe-in": "Breathe in", "breathe-out": "Breathe out", "release": "Release",
    "rest": "Rest", "set-rest": "Rest", "switch": "Change sides", "finish": "Finished",
    "checkin-before": "Pain now? 0-10", "checkin-after": "Pain now? 0-10"
  };

  function setConn(text, cls) { const c = $("conn"); c.textContent = text; c.className = "conn " + cls; }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/ws");
    ws.onopen = () => { backoff = 500; setConn("live", "ok"); };
    ws.onmessage = (e) => {
      let m; try { m = JSON.parse(e.data); } catch (_) { return; }
      if (m.type === "state") render(m);
      else if (m.type === "cue") $("caption").textContent = m.text;
      else if (m.type === "error") console.warn("coach:", m.message);
    };
    ws.onclose = () => {
      ws = null;
      if (ended) { setConn("ended", ""); return; }
      setConn("reconnecting…", "bad");
      // Exponential backoff with jitter, capped at 10 s.
      const wait = Math.min(10000, backoff) * (0.5 + Math.random() / 2);
      backoff = Math.min(10000, backoff * 2);
      setTimeout(connect, wait);
    };
  }

  function send(command) {
    if (command === "toggle") command = last && last.paused ? "resume" : "pause";
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "command", command }));
  }

  function list(el, items) {
    el.replaceChildren(...(items || []).map((t) => { const li = document.createElement("li"); li.textContent = t; return li; }));
  }

  function render(s) {
    const prev = last;
    last = s; lastAt = performance.now();
    document.title = (s.paused ? "⏸ " : "") + (s.exercise ? s.exercise.name + " · " : "") + "coach";
    $("routine").textContent = s.title || s.routine;
    const pct = Math.round((s.progress || 0) * 100);
    $("progress-fill").style.width = pct + "%";
    document.querySelector(".progress").setAttribute("aria-valuenow", String(pct));
    $("clock").textContent = mmss(s.elapsed_ms) + " / " + mmss(s.duration_ms);
    document.body.classList.toggle("paused", !!s.paused);
    $("pause").querySelector(".label").textContent = s.paused ? "Resume" : "Pause";

    if (s.finished || s.stopped) { showEnd(s); return; }
    const ex = s.exercise;
    $("position").textContent = ex ? "Exercise " + (s.exercise_index + 1) + " of " + s.exercise_count : "Getting ready";
    $("exercise").textContent = ex ? ex.name : (s.title || "coach");
    $("side").hidden = !s.side; $("side").textContent = s.side ? s.side + " side" : "";
    $("set").hidden = !(s.sets > 1 && s.set > 0); $("set").textContent = "set " + s.set + " of " + s.sets;
    $("rep").textContent = s.rep > 0 ? "Rep " + s.rep + " of " + s.reps : "";
    $("phase").textContent = phaseNames[s.phase] || s.phase || "";
    if (s.caption) $("caption").textContent = s.caption;
    $("next").textContent = s.next ? "Next: " + s.next : "";
    $("rating").hidden = !String(s.phase || "").startsWith("checkin");
    if (!prev || !prev.exercise || !ex || prev.exercise.id !== ex.id) {
      list($("setup"), ex ? ex.setup : []);
      list($("tips"), ex ? ex.tips : []);
      $("tips-title").hidden = !(ex && ex.tips && ex.tips.length);
      $("equipment").textContent = ex && ex.equipment && ex.equipment.length ? "You need: " + ex.equipment.join(", ") : "";
    }
    const b = $("breath");
    if (!prev || prev.phase !== s.phase || prev.rep !== s.rep) {
      b.style.transitionDuration = Math.max(0.3, (s.phase_remaining_ms || 0) / 1000) + "s";
      b.classList.toggle("in", s.phase === "breathe-in" || s.phase === "hold" && prev && prev.phase === "breathe-in");
      b.classList.toggle("out", s.phase === "breathe-out");
    }
    tick();
  }

  // Countdowns move smoothly between states: the state says how much was
  // left when it was sent; the page counts down from there unless paused.
  function tick() {
    const s = last;
    if (!s || s.finished || s.stopped) return;
    const gone = s.paused ? 0 : performance.now() - lastAt;
    const left = Math.max(0, (s.hold_ms > 0 ? s.hold_remaining_ms : s.phase_remaining_ms) - gone);
    const total = s.hold_ms > 0 ? s.hold_ms : s.phase_ms;
    $("count").textContent = total > 0 ? String(Math.ceil(left / 1000)) : "";
    const frac = total > 0 ? left / total : 0;
    $("ring-fill").style.strokeDashoffset = String(RING * (1 - frac));
    $("ring-fill").style.stroke = s.hold_ms > 0 ? "var(--accent2)" : "var(--accent)";
  }
  setInterval(tick, 100);

  function showEnd(s) {
    ended = true;
    $("live").hidden = true;
    document.querySelector(".controls").hidden = true;
    $("end").hidden = false;
    $("end-title").textContent = s.finished ? "Session finished. Well done!" : "Session stopped";
    $("end-summary").textContent = (s.title || s.routine) + " · " + mmss(s.elapsed_ms) + " of " + mmss(s.duration_ms) +
      (s.finished ? " · all " + s.exercise_count + " exercises" : "");
    releaseWake();
  }

  // Keep the screen on while a session runs (Screen Wake Lock).
  async function wake() {
    try { if ("wakeLock" in navigator && !ended) wakeLock = await navigator.wakeLock.request("screen"); } catch (_) { }
  }
  function releaseWake() { if (wakeLock) { wakeLock.release().catch(() => { }); wakeLock = null; } }
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") wake(); });

  document.querySelectorAll("button[data-command]").forEach((b) => b.addEventListener("click", () => send(b.dataset.command)));
  const keys = { " ": "toggle", "n": "next", "b": "back", "r": "repeat", "q": "stop", "h": "pain" };
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "BUTTON" && e.key === " ") return; // a focused button clicks itself
    const c = keys[e.key];
    if (c && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); send(c); }
  });

  // The last 14 days, when coach keeps a history: one square a day.
  fetch("history").then((r) => r.ok ? r.json() : null).then((days) => {
    if (!Array.isArray(days)) return;
    $("days-title").hidden = false;
    $("days").replaceChildren(...days.map((d) => {
      const el = document.createElement("span");
      el.className = "day" + (d.completed > 0 ? " done" : d.sessions > 0 ? " part" : "");
      el.title = d.date + ": " + d.sessions + " session" + (d.sessions === 1 ? "" : "s");
      el.textContent = new Date(d.date + "T12:00:00").getDate();
      return el;
    }));
  }).catch(() => { });

  connect();
  wake();
})();
