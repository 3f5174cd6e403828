// Live waiting timers and composer helpers. Works without a framework; htmx swaps call init again.
(function () {
  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600),
        m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + String(m).padStart(2, "0") + "m";
    return m + "m " + String(s).padStart(2, "0") + "s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.since);
      if (isNaN(since)) return;
      el.textContent = fmt((now - since) / 1000);
      var due = Date.parse(el.dataset.due || "");
      el.classList.remove("soon", "overdue");
      if (!isNaN(due)) {
        if (now > due) el.classList.add("overdue");
        else if (due - now < 15 * 60 * 1000) el.classList.add("soon");
        var words = document.body.dataset;  // translated by the server (templates/base.html)
        el.title = now > due ? (words.i18nMissed || "First-response target missed")
          : (words.i18nDue || "First response due") + " " + new Date(due).toLocaleTimeString(document.documentElement.lang || undefined);
      }
    });
    // SLA countdowns (data-sla-due, inbox/actions/sla.py): time left on the running clock,
    // negative once missed; the title (first or next response) comes from the server.
    document.querySelectorAll("[data-sla-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.slaDue);
      if (isNaN(due)) return;
      var left = (due - now) / 1000;
      el.textContent = (left < 0 ? "\u2212" : "") + fmt(Math.abs(left));
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 15 * 60);
      el.classList.toggle("on-track", left >= 15 * 60);
    });
  }
  // Times are rendered in UTC by the server; show them in the agent's own time zone.
  function localTimes() {
    document.querySelectorAll("time[data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      var kind = el.dataset.local;
      var opts = kind === "time" ? { hour: "2-digit", minute: "2-digit" }
        : kind === "date" ? { day: "numeric", month: "short", year: "numeric" }
        : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
      el.textContent = d.toLocaleString([], opts);
      el.title = d.toString();
    });
  }
  // Send is off while the preview reports a problem (too long, unknown variable, empty).
  function composerState() {
    var send = document.getElementById("send"), meter = document.getElementById("reply-meter");
    if (!send || !meter) return;
    var ta = document.getElementById("reply-text");
    send.disabled = !!meter.querySelector(".counter.over, .error") || !(ta && ta.value.trim());
  }
  document.addEventListener("DOMContentLoaded", localTimes);
  document.addEventListener("htmx:afterSwap", localTimes);
  document.addEventListener("htmx:afterSwap", composerState);
  document.addEventListener("input", function (e) { if (e.target.id === "reply-text") composerState(); });
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);

  document.addEventListener("click", function (e) {
    var code = e.target.closest("[data-insert]");
    if (!code) return;
    var ta = document.getElementById("reply-text");
    if (!ta) return;
    var start = ta.selectionStart, end = ta.selectionEnd, ins = code.dataset.insert;
    ta.value = ta.value.slice(0, start) + ins + ta.value.slice(end);
    ta.focus();
    ta.selectionStart = ta.selectionEnd = start + ins.length;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
    var pop = code.closest("details");
    if (pop) pop.removeAttribute("open");
  });
  // A popover in the composer closes on Escape and on a click elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll(".composer details.vars[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll(".composer details.vars[open]").forEach(function (d) { d.removeAttribute("open"); });
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.id === "reply-text" && e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      var send = document.getElementById("send");
      if (!send || !send.disabled) e.target.form.requestSubmit();
    }
  });
  // Polled fragments: skip the swap when nothing changed (no flicker, scroll kept), and
  // keep the newest message in view only if the agent was already at the bottom.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var t = e.detail.target;
    if (!t.hasAttribute("data-poll")) return;
    if (t.dataset.last === e.detail.serverResponse) { e.detail.shouldSwap = false; return; }
    t.dataset.last = e.detail.serverResponse;
    t.dataset.atBottom = (t.scrollHeight - t.scrollTop - t.clientHeight < 40) ? "1" : "";
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "thread" && e.target.dataset.atBottom) e.target.scrollTop = e.target.scrollHeight;
  });
  document.addEventListener("DOMContentLoaded", function () {
    var t = document.getElementById("thread");
    if (t) t.scrollTop = t.scrollHeight;
  });
  // No inline handlers (the Content-Security-Policy forbids them): what they did, by attribute.
  // <select data-submit-on-change> sends its form; <form data-confirm="…"> asks first;
  // <input class="copy"> selects its text when clicked, for copying.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-submit-on-change]") && el.form) el.form.requestSubmit();
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    if (e.target.matches && e.target.matches("input.copy")) e.target.select();
    // A menu of the top bar (Settings) closes when one clicks elsewhere.
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(e.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary && menu.contains(document.activeElement)) summary.focus();
    });
  });
})();
