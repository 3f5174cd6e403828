// Canned responses in the reply box: "/" and a few letters list the matches (the
// conversation's language first); Enter, Tab or a click puts the text in place of "/query",
// where the agent edits it before sending. The menu opens above the box, so it never covers
// the character counter below it.
(function () {
  "use strict";
  var seq = 0;

  function queryAt(ta) {
    var before = ta.value.slice(0, ta.selectionStart);
    var m = /(^|\s)\/([\p{L}\p{N}_-]{0,40})$/u.exec(before);
    return m ? { query: m[2], start: before.length - m[2].length - 1 } : null;
  }
  function menuFor(ta) { return document.getElementById(ta.dataset.cannedMenu); }
  function close(menu) {
    if (!menu) return;
    menu.hidden = true;
    menu.textContent = "";
  }
  function csrf(ta) {
    var input = ta.form && ta.form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(ta) {
    var menu = menuFor(ta);
    if (!menu) return;
    var at = queryAt(ta);
    if (!at) { close(menu); return; }
    var mine = ++seq;
    fetch(ta.dataset.cannedUrl + "?q=" + encodeURIComponent(at.query), {
      credentials: "same-origin", headers: { "Accept": "text/html" }
    }).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
      if (mine !== seq) return; // a later keystroke asked again
      if (!queryAt(ta) || !html.trim()) { close(menu); return; }
      menu.innerHTML = html; // rendered and escaped by the server
      menu.hidden = false;
    }).catch(function () { close(menu); });
  }

  function choose(ta, li, language) {
    var at = queryAt(ta);
    if (!at || !li.dataset.canned) return;
    var body = new URLSearchParams();
    body.set("language", language || li.dataset.language || "");
    var url = ta.dataset.cannedUse.replace(/\/0\/use\/$/, "/" + li.dataset.canned + "/use/");
    seq++;
    close(menuFor(ta));
    fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrf(ta), "Accept": "application/json" }
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (typeof data.text !== "string") return;
      var now = queryAt(ta) || at;
      var after = ta.value.slice(ta.selectionStart);
      ta.value = ta.value.slice(0, now.start) + data.text + after;
      ta.selectionStart = ta.selectionEnd = now.start + data.text.length;
      ta.focus();
      // The preview and counter follow, and the variables are checked there.
      ta.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function move(menu, step) {
    var items = menu.querySelectorAll("li[data-canned]");
    if (!items.length) return;
    var active = menu.querySelector("li.active");
    var i = Array.prototype.indexOf.call(items, active);
    if (active) { active.classList.remove("active"); active.removeAttribute("aria-selected"); }
    i = (i + step + items.length) % items.length;
    items[i].classList.add("active");
    items[i].setAttribute("aria-selected", "true");
    items[i].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("input", function (e) {
    var ta = e.target;
    if (ta.dataset && ta.dataset.cannedMenu && e.isTrusted !== false) show(ta);
  });
  document.addEventListener("keydown", function (e) {
    var ta = e.target;
    if (!ta.dataset || !ta.dataset.cannedMenu) return;
    var menu = menuFor(ta);
    if (!menu || menu.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      move(menu, e.key === "ArrowDown" ? 1 : -1);
    } else if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey) {
      var active = menu.querySelector("li.active[data-canned]");
      if (active) { e.preventDefault(); e.stopPropagation(); choose(ta, active, ""); }
    } else if (e.key === "Escape") {
      e.preventDefault();
      close(menu);
    }
  }, true);
  document.addEventListener("mousedown", function (e) {
    var li = e.target.closest && e.target.closest(".canned-menu li[data-canned]");
    if (!li) return;
    e.preventDefault(); // keep the caret in the reply box
    var menu = li.closest(".canned-menu");
    var ta = document.querySelector("[data-canned-menu='" + menu.id + "']");
    var lang = e.target.closest("button.lang");
    if (ta) choose(ta, li, lang ? lang.dataset.language : "");
  });
  document.addEventListener("focusout", function (e) {
    var ta = e.target;
    if (ta.dataset && ta.dataset.cannedMenu) setTimeout(function () {
      if (document.activeElement !== ta) close(menuFor(ta));
    }, 150);
  });
})();
