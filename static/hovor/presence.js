// Presence heartbeat (routing): every 30 s while the page is open, tell Hovor how long the
// person has been idle; routing calls them away after 10 idle minutes and offline when the
// heartbeats stop. No inline script (CSP): loaded with defer from routing/_presence.html.
(function () {
  "use strict";
  var lastActive = Date.now();
  ["mousemove", "keydown", "mousedown", "touchstart", "scroll"].forEach(function (name) {
    window.addEventListener(name, function () { lastActive = Date.now(); }, { passive: true });
  });
  function csrf() {
    var input = document.querySelector("#presence input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function beat() {
    var form = document.getElementById("presence");
    if (!form) { return; }
    var body = new URLSearchParams();
    body.set("idle", String(Math.round((Date.now() - lastActive) / 1000)));
    fetch(form.dataset.heartbeat, {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf() },
    }).catch(function () { /* offline for now: the next beat tries again */ });
  }
  beat();
  window.setInterval(beat, 30000);
})();
