// coach companion page: follows the session over a websocket and sends the
// same commands as the keyboard. Its buttons, keys and phase names come from
// the session's hello message; nothing here copies the control table. No
// external assets; works offline.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const app = $("app");
  const RING = 2 * Math.PI * 54;
  const HOLD_MS = 600; // "This hurts" is held this long to confirm a touch

  let ws = null, retry = 0, everOpen = false;
  let session = "", controls = [], phases = {}, listening = false;
  const keymap = new Map(); // key as KeyboardEvent.key, lower case → control
  let last = null, lastAt = 0, ended = false;
  let stopped = { name: "", seq: -1 }; // the exercise a pain stop ended
  let breathAnim = null, breathKey = "";

  // Text is written only when it changes: live regions announce every write.
  function setText(el, text) { if (el.textContent !== text) el.textContent = text; }
  function show(el, on) { if (el.hidden === on) el.hidden = !on; }
  function mmss(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function announce(text) { setText($("announce"), text); }
  function control(command) { return controls.find((c) => c.command === command); }
  function label(command, fallback) { const c = control(command); return c ? c.label : fallback; }
  function keyName(k) { return k === "space" ? "Space" : k.length === 1 ? k.toUpperCase() : k; }

  // --- connection -------------------------------------------------------
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    let sock;
    try { sock = new WebSocket(proto + "//" + location.host + "/ws"); } catch (_) { schedule(); return; }
    ws = sock;
    sock.onopen = () => { retry = 0; everOpen = true; };
    sock.onmessage = (e) => {
      let m; try { m = JSON.parse(e.data); } catch (_) { return; }
      if (m.type === "hello") hello(m);
      else if (m.type === "state") render(m);
      else if (m.type === "cue") caption(m.text);
      else if (m.type === "summary") finish(m);
      else if (m.type === "heard") heard(m.text || "Heard: " + (m.command || ""));
      else if (m.type === "error") console.warn("coach:", m.message);
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      setLost(!ended);
      schedule();
    };
  }
  // Quick retries at first, then every 2 s, for as long as the page is
  // open: after a session ends, the next one on this address is picked up.
  function schedule() {
    const wait = Math.min(2000, 250 * 2 ** retry);
    retry++;
    setText($("lost-retry"), everOpen ? "Trying to reconnect…" : "Looking for coach…");
    setTimeout(connect, wait);
  }
  function setLost(lost) {
    show($("lost"), lost);
    app.inert = lost;
    document.querySelectorAll(".bar button, .digits button").forEach((b) => { b.disabled = lost; });
  }
  function send(command) {
    if (command === "toggle") command = last && last.paused ? (control("resume") ? "resume" : "toggle") : (control("pause") ? "pause" : "toggle");
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify({ type: "command", command }));
    return true;
  }

  // --- hello: the session, its controls and phase names ------------------
  function hello(m) {
    if (session && m.session !== session) reset();
    session = m.session;
    phases = m.phases || {};
    listening = !!m.listening;
    buildControls(m.controls || []);
    setText($("routine"), m.title || m.routine || "coach");
    setLost(false);
    if (!ended) keepAwake();
  }

  // A new session on the same address: start from a clean page.
  function reset() {
    ended = false; last = null; stopped = { name: "", seq: -1 }; breathKey = "";
    if (breathAnim) { breathAnim.cancel(); breathAnim = null; }
    setView("wait");
    setText($("caption"), "");
    setText($("position"), "Waiting for coach");
    setText($("exercise"), "coach");
  }

  function buildControls(list) {
    controls = list;
    keymap.clear();
    for (const c of list) {
      for (const k of c.keys || []) {
        // Ctrl combinations stay with the terminal: in a browser they copy.
        if (k === "space") keymap.set(" ", c);
        else if (k.length === 1) keymap.set(k.toLowerCase(), c);
      }
    }
    const transport = $("transport"), quit = $("quit"), safety = $("safety"), digits = $("digits"), feel = $("feel-buttons");
    transport.replaceChildren(); quit.replaceChildren(); safety.replaceChildren(); digits.replaceChildren(); feel.replaceChildren();
    for (const c of list) {
      if (c.checkin) { digits.append(button(c, "digit")); continue; }
      if (c.feel) { const b = button(c, ""); b.setAttribute("aria-pressed", "false"); feel.append(b); continue; }
      if (!c.button) continue;
      // This hurts is set apart, and Stop beside it: both end something.
      if (c.command === "pain") safety.append(painButton(c));
      else if (c.command === "stop") quit.append(button(c, ""));
      else transport.append(button(c, c.command === "toggle" ? "primary" : ""));
    }
    const spelled = list.filter((c) => c.checkin && c.keys && c.keys[0] && c.keys[0] !== c.label)
      .map((c) => keyName(c.keys[0]) + " for " + c.label);
    setText($("checkin-keys"), "Tap a number or press its key" + (spelled.length ? " (" + spelled.join(", ") + ")" : "") + ".");
    const t = control("toggle");
    const resume = control("resume");
    setText($("paused-how"), (t && t.keys && t.keys.length ? "Press " + keyName(t.keys[0]) + " or " : "Tap ") + label("resume", "Resume") + " to carry on" +
      (listening && resume && resume.spoken ? ", or say “coach " + resume.spoken + "”." : "."));
    if (last) render(last);
  }

  // What to say for a control when coach listens: its own words, or for
  // the pause/resume toggle the words of both.
  function spokenHint(c) {
    if (!listening) return "";
    const words = c.command === "toggle" ? [control("pause"), control("resume")].filter((x) => x && x.spoken).map((x) => x.spoken)
      : c.spoken ? [c.spoken] : [];
    return words.length ? " — or say " + words.map((w) => "“coach " + w + "”").join(" / ") : "";
  }

  function button(c, cls) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.command = c.command;
    if (cls) b.className = cls;
    b.textContent = c.label;
    b.title = c.help + (c.keys && c.keys.length ? " (" + c.keys.map(keyName).join(", ") + ")" : "") + spokenHint(c);
    if (c.keys && c.keys.length) b.setAttribute("aria-keyshortcuts", c.keys.filter((k) => k.length === 1 || k === "space").map(keyName).join(" "));
    b.addEventListener("click", (e) => {
      send(c.command);
      // A tapped button must not keep focus: Space would press it again.
      if (e.detail > 0) b.blur();
    });
    return b;
  }

  // "This hurts" is set apart and confirmed by holding it (a touch or a
  // click); from the keyboard (its key, or Enter on it) it acts at once.
  function painButton(c) {
    const b = button(c, "pain");
    b.replaceChildren(document.createTextNode(c.label));
    const hint = document.createElement("span");
    hint.className = "hint";
    hint.textContent = "press and hold";
    b.append(hint);
    b.style.setProperty("--hold-ms", HOLD_MS + "ms");
    const clone = b.cloneNode(true); // drop the plain click handler
    clone.addEventListener("click", (e) => { if (e.detail === 0) send(c.command); });
    let timer = 0;
    const cancel = () => { clearTimeout(timer); timer = 0; clone.classList.remove("holding"); };
    clone.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || clone.disabled) return;
      clone.setPointerCapture(e.pointerId);
      clone.classList.add("holding");
      setText(hint, "keep holding…");
      timer = setTimeout(() => { timer = 0; clone.classList.remove("holding"); setText(hint, "press and hold"); send(c.command); clone.blur(); }, HOLD_MS);
    });
    for (const ev of ["pointerup", "pointercancel", "lostpointercapture"]) {
      clone.addEventListener(ev, () => { if (timer) { cancel(); setText(hint, "hold it to stop"); clone.blur(); } });
    }
    clone.addEventListener("contextmenu", (e) => e.preventDefault());
    return clone;
  }

  // --- keys: the same as the terminal's ----------------------------------
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const c = keymap.get(e.key.length === 1 ? e.key.toLowerCase() : e.key);
    if (e.key === " ") e.preventDefault(); // Space pauses; it never presses the focused button
    if (!c || e.repeat || !$("lost").hidden) return;
    if (c.checkin && !inCheckIn()) return;
    if (c.feel && !(last && last.feel_for)) return; // asked only in a rest
    e.preventDefault();
    send(c.command);
  }, true);
  document.addEventListener("keyup", (e) => { if (e.key === " ") e.preventDefault(); }, true);

  function inCheckIn() { return !!(last && String(last.phase || "").startsWith("checkin") && !last.finished && !last.stopped); }

  // --- the state ----------------------------------------------------------
  function setView(v) { if (app.dataset.view !== v) app.dataset.view = v; show($("live"), v === "live" || v === "wait"); show($("checkin"), v === "checkin"); show($("ack"), v === "ack"); show($("finish"), v === "finish"); }

  function render(s) {
    const prev = last;
    last = s; lastAt = performance.now();
    const pct = Math.round((s.progress || 0) * 100);
    $("progress-fill").style.width = pct + "%";
    $("progress").setAttribute("aria-valuenow", String(pct));
    setText($("clock"), mmss(s.elapsed_ms) + " / " + mmss(s.duration_ms));
    setText($("routine"), s.title || s.routine || "coach");
    if (s.finished || s.stopped) { toFinish(s); return; }
    if (ended) return;
    document.title = (s.paused ? "Paused · " : "") + (s.exercise ? s.exercise.name + " · " : "") + "coach";
    app.classList.toggle("is-paused", !!s.paused);
    show($("paused"), !!s.paused);
    if (!!s.paused !== !!(prev && prev.paused)) announce(s.paused ? "Paused" : "Carrying on");
    $("transport").querySelectorAll('[data-command="toggle"]').forEach((b) => setText(b, s.paused ? label("resume", "Resume") : label("toggle", "Pause")));

    if (!s.interjecting && s.exercise) stopped = { name: s.exercise.name, seq: s.seq };
    if (s.interjecting) { renderAck(s); return; }
    if (String(s.phase || "").startsWith("checkin")) { renderCheckIn(s, prev); return; }
    renderLive(s, prev);
  }

  function renderLive(s, prev) {
    setView("live");
    const ex = s.exercise, n = s.exercise_count;
    // Between exercises the page shows the one coming: in the rest after an
    // exercise it is the state's "next"; once the coach says what comes
    // (the up-next phase) it is the state's own exercise.
    const restBetween = s.phase === "rest" && !s.rep && !!s.next;
    const upNext = s.phase === "up-next" && !!ex;
    const coming = restBetween ? { name: s.next, image: s.next_image, index: s.exercise_index + 1 }
      : upNext ? { name: ex.name, image: ex.image, index: s.exercise_index } : null;
    const phase = phases[s.phase] || s.phase || "";
    if (coming) {
      setText($("position"), "Up next · exercise " + (coming.index + 1) + " of " + n);
      setText($("exercise"), coming.name);
    } else if (ex) {
      setText($("position"), "Exercise " + (s.exercise_index + 1) + " of " + n);
      setText($("exercise"), ex.name);
    } else {
      setText($("position"), s.phase === "finish" ? "Last words" : "Welcome");
      setText($("exercise"), s.title || s.routine || "coach");
    }
    if (ex && (!prev || !prev.exercise || prev.exercise.id !== ex.id)) announce("Exercise " + (s.exercise_index + 1) + " of " + n + ": " + ex.name);
    show($("upnext"), !!coming && !s.feel_for); // the question takes its place; the name is above
    setText($("upnext"), coming ? "Rest, then " + coming.name : "");

    const inReps = !!ex && s.rep > 0 && !coming;
    show($("side"), !!s.side && !coming);
    setText($("side"), s.side ? s.side.charAt(0).toUpperCase() + s.side.slice(1) + " side" : "");
    show($("set"), s.sets > 1 && s.set > 0 && !coming);
    setText($("set"), "Set " + s.set + " of " + s.sets);
    setText($("rep"), inReps ? "Rep " + s.rep + " of " + s.reps : "");
    dots(inReps ? s.reps : 0, s.rep);

    setText($("phase"), phase);
    if (s.caption) caption(s.caption);

    // The picture: this exercise's, or between exercises the coming one's.
    const src = coming ? coming.image : ex ? ex.image : "";
    const img = $("picture-img");
    if (src) {
      if (img.getAttribute("src") !== src) img.setAttribute("src", src);
      img.alt = "How to do " + (coming ? coming.name : ex.name);
    }
    show($("picture"), !!src);
    $("live").classList.toggle("no-picture", !src);

    // How to: the setup while getting into position, the tips during reps.
    const setupNow = !!ex && !coming && (s.phase === "setup" || s.phase === "ready" || s.phase === "switch");
    list($("setup"), setupNow ? ex.setup : []);
    list($("tips"), inReps ? ex.tips : []);
    // In the rest after an exercise: how did it feel? (kept in the history)
    const asks = !!s.feel_for;
    show($("feel"), asks);
    if (asks) {
      setText($("feel-q"), s.feel ? s.feel_for + ": " + label(s.feel, s.feel).toLowerCase() + ". Noted." : "How did " + s.feel_for + " feel?");
      if (s.feel && (!prev || prev.feel !== s.feel)) announce("Noted: " + s.feel_for + " felt " + label(s.feel, s.feel).toLowerCase() + ".");
      $("feel-buttons").querySelectorAll("button").forEach((b) => {
        const on = String(b.dataset.command === s.feel);
        if (b.getAttribute("aria-pressed") !== on) b.setAttribute("aria-pressed", on);
      });
    }
    setText($("equipment"), ex && !restBetween && ex.equipment && ex.equipment.length && (setupNow || upNext || !inReps) ? "You need " + ex.equipment.join(", ") : "");
    breathe(s);
    tick();
    fit();
    fitFeel();
    fitInfo();
  }

  function renderCheckIn(s) {
    setView("checkin");
    const left = Math.ceil(Math.max(0, s.phase_remaining_ms) / 1000);
    setText($("checkin-left"), s.paused ? "Paused: waiting for your answer" : "Continues in " + left + " s without an answer");
    announce("Check-in: how much does it hurt right now, from 0 to 10?");
    tick();
  }

  function renderAck(s) {
    setView("ack");
    setText($("ack-title"), stopped.name ? "Stopped: " + stopped.name : "Exercise stopped");
    if ($("ack-caption").textContent !== (s.caption || "")) { setText($("ack-caption"), s.caption || ""); fit($("ack-caption")); }
    let next;
    if (s.exercise && s.exercise.name !== stopped.name) next = "Then " + s.exercise.name + " starts, with time to get into position.";
    else if (String(s.phase).startsWith("checkin")) next = "Then the closing check-in.";
    else if (s.exercise) next = "Then " + s.exercise.name + " starts again from its beginning.";
    else next = "Then the session ends.";
    setText($("ack-next"), next);
    announce((stopped.name ? "Stopped " + stopped.name : "Exercise stopped") + " because it hurts. " + next);
  }

  function list(el, items) {
    const want = (items || []).join("\n");
    if (el.dataset.items === want) return;
    el.dataset.items = want;
    el.replaceChildren(...(items || []).map((t) => { const li = document.createElement("li"); li.textContent = t; return li; }));
  }

  function dots(n, rep) {
    const el = $("dots");
    const want = n > 0 && n <= 20 ? n + ":" + rep : "";
    if (el.dataset.key === want) return;
    el.dataset.key = want;
    el.replaceChildren();
    if (!want) return;
    for (let i = 1; i <= n; i++) {
      const d = document.createElement("span");
      d.className = "dot" + (i < rep ? " done" : i === rep ? " now" : "");
      el.append(d);
    }
  }

  function caption(text) {
    const el = $("caption");
    if (el.textContent === text) return;
    el.textContent = text;
    fit();
  }

  // A caption starts large and shrinks toward its CSS floor (5 % of the
  // viewport's height) until it fits: it never scrolls.
  function fit(el) {
    el = el || $(app.dataset.view === "ack" ? "ack-caption" : "caption");
    el.style.fontSize = "";
    const floor = parseFloat(getComputedStyle(el).fontSize);
    for (let f = floor * 1.5; f > floor; f *= 0.9) {
      el.style.fontSize = f + "px";
      if (el.scrollHeight <= el.clientHeight + 1) return;
    }
    el.style.fontSize = "";
  }
  window.addEventListener("resize", () => { fit(); fitFeel(); fitInfo(); });

  // The caption comes first: where the feel question would leave it no
  // room (a phone, 200 % zoom), only its buttons stay; the group is still
  // labelled by the question.
  function fitFeel() {
    const q = $("feel-q"), cap = $("caption");
    if ($("feel").hidden) return;
    if (q.hidden) { show(q, true); fit(); }
    if (cap.scrollHeight > cap.clientHeight + 1) { show(q, false); fit(); }
  }

  // The how-to lines show as many whole lines as fit under the caption;
  // the rest are left out rather than cut in half.
  function fitInfo() {
    const info = $("info");
    const items = [...info.querySelectorAll("li, .equipment")];
    items.forEach((el) => { el.hidden = false; });
    for (let i = items.length - 1; i >= 0 && info.scrollHeight > info.clientHeight + 1; i--) items[i].hidden = true;
  }

  // The breathing guide grows on "breathe in" and shrinks on "breathe out";
  // it stands still while the session is paused.
  function breathe(s) {
    const el = $("breath");
    const key = [s.exercise_index, s.set, s.side, s.rep, s.phase].join("|");
    if (key !== breathKey) {
      breathKey = key;
      const to = s.phase === "breathe-in" ? "scale(1.2)" : s.phase === "breathe-out" ? "scale(.6)" : "";
      if (to) {
        const from = getComputedStyle(el).transform;
        if (breathAnim) breathAnim.cancel();
        breathAnim = el.animate([{ transform: from === "none" ? "scale(.6)" : from }, { transform: to }],
          { duration: Math.max(300, s.phase_remaining_ms || 0), easing: "ease-in-out", fill: "forwards" });
      }
    }
    if (breathAnim) {
      if (s.paused && breathAnim.playState === "running") breathAnim.pause();
      else if (!s.paused && breathAnim.playState === "paused") breathAnim.play();
    }
  }

  // Countdowns move smoothly between states: a state says how much was left
  // when it was sent; the page counts down from there unless paused.
  function tick() {
    const s = last;
    if (!s || s.finished || s.stopped || ended) return;
    const gone = s.paused ? 0 : performance.now() - lastAt;
    const hold = s.hold_ms > 0;
    const total = hold ? s.hold_ms : s.phase_ms;
    const left = Math.max(0, (hold ? s.hold_remaining_ms : s.phase_remaining_ms) - gone);
    setText($("count"), total > 0 ? String(Math.ceil(left / 1000)) : "");
    const frac = total > 0 ? left / total : 0;
    $("ring-fill").style.strokeDashoffset = String(RING * (1 - frac));
    $("ring-fill").style.visibility = frac > 0 ? "" : "hidden"; // a round cap would leave a dot
    $("ringbox").classList.toggle("holding", hold);
  }
  setInterval(tick, 200);

  // --- the end: the session's record --------------------------------------
  function toFinish(s) {
    if (!ended) {
      ended = true;
      setView("finish");
      setText($("finish-title"), s.finished ? "Session finished" : "Session stopped");
      setText($("finish-sub"), "Waiting for the session's record…");
      show($("paused"), false);
      releaseWake();
      fetchDays();
    }
  }

  function finish(m) {
    const r = m.record, h = m.history;
    if (!r) return;
    ended = true;
    setView("finish");
    show($("paused"), false);
    releaseWake();
    const ex = r.exercises || [];
    const sum = (f) => ex.reduce((a, e) => a + f(e), 0);
    const done = sum((e) => e.completed ? 1 : 0);
    setText($("finish-title"), r.status === "finished" ? "Session finished" : "Session stopped");
    setText($("finish-sub"), (r.title || r.routine) + (r.practice ? " · a practice run, not counted in your week" : ""));
    setText($("f-spent"), mmss(r.spent_ms));
    setText($("f-exercises"), done + " of " + ex.length);
    setText($("f-reps"), sum((e) => e.done_reps) + " of " + sum((e) => e.planned_total_reps));
    setText($("f-skipped"), String(sum((e) => e.skipped ? 1 : 0)));
    setText($("f-pain"), String(sum((e) => e.pain_stop ? 1 : 0)));
    const p = (v) => v === null || v === undefined ? "–" : String(v);
    setText($("f-painba"), r.pain_before == null && r.pain_after == null ? "not asked" : p(r.pain_before) + " → " + p(r.pain_after));
    show($("f-streak-box"), !!h);
    show($("f-week-box"), !!(h && h.week));
    if (h) {
      setText($("f-streak"), h.streak_days + (h.streak_days === 1 ? " day" : " days"));
      if (h.week) setText($("f-week"), h.week.target > 0 ? h.week.done + " of " + h.week.target : h.week.done + (h.week.done === 1 ? " session" : " sessions"));
    }
    $("f-list").replaceChildren(...ex.map((e) => {
      const li = document.createElement("li");
      li.dataset.id = e.id;
      li.append(e.name + ": " + e.done_reps + " of " + e.planned_total_reps + " reps");
      const tag = e.pain_stop ? "stopped for pain" : e.skipped ? "skipped" : e.completed ? "done" : e.done_reps > 0 ? "unfinished" : "not reached";
      const t = document.createElement("span");
      t.className = "tag";
      t.textContent = " · " + tag + (e.rating ? " · felt " + label(e.rating, e.rating).toLowerCase() : "");
      li.append(t);
      return li;
    }));
    announce((r.status === "finished" ? "Session finished. " : "Session stopped. ") + done + " of " + ex.length + " exercises done.");
    fetchDays();
  }

  // The last 14 days, when coach keeps a history: one square a day.
  function fetchDays() {
    fetch("history").then((r) => r.ok ? r.json() : null).then((days) => {
      if (!Array.isArray(days)) return;
      show($("days-box"), true);
      $("days").replaceChildren(...days.map((d) => {
        const el = document.createElement("span");
        el.className = "day" + (d.completed > 0 ? " done" : d.sessions > 0 ? " part" : "");
        el.title = d.date + ": " + d.sessions + " session" + (d.sessions === 1 ? "" : "s");
        el.textContent = new Date(d.date + "T12:00:00").getDate();
        return el;
      }));
    }).catch(() => { });
  }

  // Spoken commands, when coach listens for them: "Heard: pause".
  let heardTimer = 0;
  function heard(text) {
    if (!text) return;
    setText($("heard"), text); // the server says it whole: "Heard: coach pause"
    show($("heard"), true);
    clearTimeout(heardTimer);
    heardTimer = setTimeout(() => show($("heard"), false), 2500);
  }

  // --- keeping the screen on ----------------------------------------------
  // The Wake Lock API exists only in a secure context; a phone on the LAN
  // (http://192.168.…) is not one. There a muted video playing a canvas's
  // stream, fully in view, holds the browser's own video wake lock.
  let lock = null;
  function setWake(how) { document.documentElement.dataset.wake = how; }
  async function keepAwake() {
    if (ended) return;
    if (window.isSecureContext && navigator.wakeLock) {
      try {
        if (!lock || lock.released) lock = await navigator.wakeLock.request("screen");
        setWake("wake-lock");
        return;
      } catch (_) { /* not allowed now: fall back to the video */ }
    }
    const v = $("keepawake");
    if (!v.srcObject) {
      const c = document.createElement("canvas");
      c.width = c.height = 2;
      if (!c.captureStream) { setWake("none"); return; }
      const g = c.getContext("2d");
      let flip = false;
      const paint = () => { flip = !flip; g.fillStyle = flip ? "#000" : "#010101"; g.fillRect(0, 0, 2, 2); };
      paint();
      v.srcObject = c.captureStream(1);
      setInterval(paint, 1000);
    }
    try { await v.play(); setWake("video"); } catch (_) { setWake("none"); }
  }
  function releaseWake() {
    if (lock) { lock.release().catch(() => { }); lock = null; }
    const v = $("keepawake");
    v.pause();
    setWake("off");
  }
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") keepAwake(); });
  // Browsers that refuse to play without a gesture get one from the first tap.
  document.addEventListener("pointerdown", () => { const w = document.documentElement.dataset.wake; if (w !== "wake-lock" && w !== "video") keepAwake(); });

  setWake("none");
  connect();
})();
