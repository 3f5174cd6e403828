/* Hovor live chat, agent side: included by chat/agent_hooks.html on a chat ticket's page.
 * - tells the visitor's widget that the agent is typing in #reply-text (at most every 2 s);
 * - pings agent presence every minute, so the widget knows someone is there to answer.
 * "Visitor is typing…" itself is an htmx-polled fragment in the same include. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var typingUrl = script.getAttribute("data-typing-url");
  var presenceUrl = script.getAttribute("data-presence-url");

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall through to the cookie */ }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, data) {
    if (!url) return;
    var body = new URLSearchParams(data || {});
    window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    }).catch(function () { /* best effort */ });
  }

  var lastTyping = 0;
  function onInput(event) {
    if (!event.target || event.target.id !== "reply-text") return;
    var now = Date.now();
    if (!event.target.value.trim() || now - lastTyping < 2000) return;
    lastTyping = now;
    post(typingUrl, { typing: "1" });
  }
  document.addEventListener("input", onInput);
  document.addEventListener("submit", function (event) {
    if (event.target && event.target.classList && event.target.classList.contains("composer")) lastTyping = 0;
  });

  post(presenceUrl);
  window.setInterval(function () { post(presenceUrl); }, 60000);
})();
