/* Hovor live pages: what changed reaches an open inbox or conversation within 2 s, and a
 * conversation shows who else has it open and who is typing.
 *
 * - Pulse: once a second (every 5 s in a hidden tab) ask the page's pulse URL (#live
 *   data-pulse-url) whether anything it shows changed. The server answers 204 while nothing
 *   did, or the new versions: then the inbox list and/or the thread fetch themselves again
 *   (htmx, hx-trigger="hovor:changed"), the assignee and status selects follow, and the bar
 *   of colleagues (#live) is redrawn.
 * - Presence (conversations only): a heartbeat every 4 s says this tab has it open and
 *   whether its composer is being typed in; keystrokes report typing at most every 2 s; the
 *   page going away says so at once (sendBeacon).
 * - Send over a colleague: the composer's hidden seen-message-id follows the thread until the
 *   agent starts a draft, then stays: the server asks before sending over a newer reply
 *   (templates/inbox/_send_over.html); "Review" shows it and keeps the draft.
 */
(function () {
  "use strict";
  var root, pulseUrl, presenceUrl, version = "", inboxVersion, ticketVersion;
  var lastInput = 0, lastTypingSent = 0, timer = null;

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall through */ }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function refresh(id) {
    var el = document.getElementById(id);
    if (el && window.htmx) window.htmx.trigger(el, "hovor:changed");
  }

  // --- the pulse ------------------------------------------------------------------------
  function schedule(ms) {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(pulse, ms);
  }

  function pulse() {
    timer = null;
    var url = pulseUrl + (pulseUrl.indexOf("?") < 0 ? "?" : "&") + "v=" + encodeURIComponent(version);
    window.fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Requested-With": "hovor-live" } })
      .then(function (r) {
        if (r.status === 204) return null;
        if (r.ok) return r.json();
        throw new Error("pulse " + r.status);
      })
      .then(function (data) { if (data) apply(data); })
      .catch(function () { /* the next pulse tries again */ })
      .then(function () { schedule(document.hidden ? 5000 : 1000); });
  }

  function apply(data) {
    version = data.v;
    if (data.inbox !== inboxVersion) { inboxVersion = data.inbox; refresh("ticket-page"); }
    if ("ticket" in data && data.ticket !== ticketVersion) { ticketVersion = data.ticket; refresh("thread"); }
    if ("assignee" in data) follow("assignee", data.assignee === null ? "" : String(data.assignee));
    if ("status" in data && data.status) follow("status", data.status);
    if ("viewers" in data) drawViewers(data.viewers);
  }

  // A select the agent is not using shows what the conversation is now.
  function follow(id, value) {
    var select = document.getElementById(id);
    if (!select || select === document.activeElement || select.value === value) return;
    if (!select.querySelector('option[value="' + value.replace(/"/g, "") + '"]')) return;
    select.value = value;
    select.classList.add("live-changed");
    select.title = root.dataset.i18nChanged || "";
    window.setTimeout(function () { select.classList.remove("live-changed"); }, 4000);
  }

  // --- who else is here -----------------------------------------------------------------
  function drawViewers(viewers) {
    root.textContent = "";
    if (!viewers.length) return;
    var label = document.createElement("span");
    label.className = "collision-label";
    label.textContent = root.dataset.i18nHere || "Also here:";
    root.appendChild(label);
    viewers.forEach(function (v) {
      var chip = document.createElement("span");
      chip.className = "viewer" + (v.typing ? " typing" : "");
      chip.dataset.viewer = v.id;
      var avatar = document.createElement("span");
      avatar.className = "avatar";
      avatar.textContent = v.initials;
      avatar.setAttribute("aria-hidden", "true");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = v.name;
      chip.appendChild(avatar);
      chip.appendChild(name);
      if (v.typing) {
        var typing = document.createElement("span");
        typing.className = "is-typing";
        typing.textContent = root.dataset.i18nTyping || "typing…";
        chip.appendChild(typing);
      }
      root.appendChild(chip);
    });
  }

  // --- presence -------------------------------------------------------------------------
  function typingNow() { return Date.now() - lastInput < 4000; }

  function tellPresence(fields) {
    var body = new URLSearchParams(fields);
    window.fetch(presenceUrl, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrfToken() },
    }).catch(function () { /* best effort */ });
  }

  function heartbeat() {
    if (!document.hidden) tellPresence({ typing: typingNow() ? "1" : "0" });
  }

  function onInput(e) {
    if (!e.target || e.target.id !== "reply-text") return;
    var typing = !!e.target.value.trim();
    lastInput = typing ? Date.now() : 0;
    if (!typing) { tellPresence({ typing: "0" }); lastTypingSent = 0; return; }
    if (Date.now() - lastTypingSent > 2000) { lastTypingSent = Date.now(); tellPresence({ typing: "1" }); }
  }

  function leave() {
    var body = new URLSearchParams({ left: "1", csrfmiddlewaretoken: csrfToken() });
    if (navigator.sendBeacon) navigator.sendBeacon(presenceUrl, body);
  }

  // --- the draft's starting point ---------------------------------------------------------
  function newestInThread() {
    var newest = 0;
    document.querySelectorAll("#thread [data-message]").forEach(function (el) {
      newest = Math.max(newest, parseInt(el.dataset.message, 10) || 0);
    });
    return newest;
  }

  function followThread() {
    var seen = document.getElementById("seen-message-id"), text = document.getElementById("reply-text");
    if (!seen || !text || text.value.trim() || document.getElementById("send-over")) return;
    seen.value = String(Math.max(parseInt(seen.value, 10) || 0, newestInThread()));
  }

  function review(button) {
    var box = document.getElementById("send-over"), seen = document.getElementById("seen-message-id");
    if (seen) seen.value = String(Math.max(parseInt(seen.value, 10) || 0, parseInt(button.dataset.review, 10) || 0));
    var shown = document.querySelector('#thread [data-message="' + button.dataset.review + '"]');
    if (shown) { shown.scrollIntoView({ block: "center" }); shown.classList.add("live-changed"); }
    if (box) box.remove();
    var text = document.getElementById("reply-text");
    if (text) text.focus();
  }

  function start() {
    root = document.getElementById("live");
    if (!root || !root.dataset.pulseUrl) return;
    pulseUrl = root.dataset.pulseUrl;
    inboxVersion = root.dataset.inboxVersion;
    ticketVersion = root.dataset.ticketVersion;
    presenceUrl = root.dataset.presenceUrl || "";
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { schedule(0); if (presenceUrl) heartbeat(); }
    });
    document.addEventListener("click", function (e) {
      var button = e.target.closest && e.target.closest("[data-review]");
      if (button) review(button);
    });
    document.addEventListener("htmx:afterSwap", function (e) {
      // The list beside a conversation keeps marking the one open.
      if (e.target.id !== "ticket-page" || !root.dataset.ticket) return;
      var row = e.target.querySelector('.ticket-row[data-ticket="' + root.dataset.ticket + '"]');
      if (row) row.classList.add("current");
    });
    if (presenceUrl) {
      document.addEventListener("input", onInput);
      document.addEventListener("htmx:afterSwap", function (e) { if (e.target.id === "thread") followThread(); });
      window.addEventListener("pagehide", leave);
      heartbeat();
      window.setInterval(heartbeat, 4000);
    }
    schedule(1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
