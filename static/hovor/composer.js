// The composer's tools: @name autocompletes colleagues in an internal note.
(function () {
  "use strict";
  function people(ta) {
    var list = document.getElementById(ta.dataset.mentions);
    if (!list) return [];
    return Array.prototype.map.call(list.querySelectorAll("li"), function (li) {
      return { username: li.dataset.username, name: li.dataset.name || "" };
    });
  }
  function wordAt(ta) {
    var before = ta.value.slice(0, ta.selectionStart);
    var m = /(^|[\s(])@([\w.\-]*)$/u.exec(before);
    return m ? { query: m[2], start: before.length - m[2].length - 1 } : null;
  }
  function menuFor(ta) { return document.getElementById(ta.id.replace(/-text$/, "") + "-mention-menu"); }
  function close(menu) { menu.hidden = true; menu.textContent = ""; }
  function choose(ta, username) {
    var at = wordAt(ta);
    if (!at) return;
    var after = ta.value.slice(ta.selectionStart);
    var ins = "@" + username + " ";
    ta.value = ta.value.slice(0, at.start) + ins + after;
    ta.selectionStart = ta.selectionEnd = at.start + ins.length;
    ta.focus();
    close(menuFor(ta));
  }
  function show(ta) {
    var menu = menuFor(ta);
    if (!menu) return;
    var at = wordAt(ta);
    if (!at) { close(menu); return; }
    var q = at.query.toLowerCase();
    var found = people(ta).filter(function (p) {
      return p.username.toLowerCase().indexOf(q) === 0 || p.name.toLowerCase().split(/\s+/).some(function (w) { return w.indexOf(q) === 0; });
    }).slice(0, 8);
    menu.textContent = "";
    if (!found.length) { menu.hidden = true; return; }
    found.forEach(function (p, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.dataset.username = p.username;
      if (i === 0) li.className = "active";
      var strong = document.createElement("strong");
      strong.textContent = p.name || p.username;
      var small = document.createElement("span");
      small.className = "muted";
      small.textContent = " @" + p.username;
      li.appendChild(strong);
      li.appendChild(small);
      menu.appendChild(li);
    });
    menu.hidden = false;
  }
  document.addEventListener("input", function (e) {
    if (e.target.dataset && e.target.dataset.mentions) show(e.target);
  });
  document.addEventListener("keydown", function (e) {
    var ta = e.target;
    if (!ta.dataset || !ta.dataset.mentions) return;
    var menu = menuFor(ta);
    if (!menu || menu.hidden) return;
    var items = menu.querySelectorAll("li"), active = menu.querySelector("li.active");
    var i = Array.prototype.indexOf.call(items, active);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (active) active.className = "";
      i = (i + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items[i].className = "active";
    } else if (e.key === "Enter" || e.key === "Tab") {
      if (active) { e.preventDefault(); choose(ta, active.dataset.username); }
    } else if (e.key === "Escape") {
      close(menu);
    }
  });
  document.addEventListener("mousedown", function (e) {
    var li = e.target.closest && e.target.closest(".mention-menu li");
    if (!li) return;
    e.preventDefault();
    var menu = li.closest(".mention-menu");
    var ta = document.getElementById(menu.id.replace(/-mention-menu$/, "-text"));
    if (ta) choose(ta, li.dataset.username);
  });
})();
