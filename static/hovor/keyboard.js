// Triage in the inbox: keyboard shortcuts, row selection and the bulk bar.
// j/k move the row focus, Enter opens, x selects, r replies, a assigns to me, e solves,
// s snoozes, t tags, l sends "I'm looking into it", / searches, ? lists the shortcuts.
// Typing in a field never triggers one.
// The list is re-rendered by the 2-second poll: selection and focus are kept by ticket id.
(function () {
  "use strict";
  var selected = new Set();
  var focusedId = null;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#ticket-list .triage-row")); }
  function rowLink(row) { return row.querySelector("a.ticket-row"); }
  function bulkForm() { return document.getElementById("bulk-form"); }

  function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      var type = (el.getAttribute("type") || "text").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset", "hidden"].indexOf(type) === -1;
    }
    return false;
  }

  // --- selection -----------------------------------------------------------------------
  function syncSelection() {
    var present = new Set();
    rows().forEach(function (row) {
      var id = row.dataset.row, box = row.querySelector(".row-select");
      present.add(id);
      if (box) box.checked = selected.has(id);
      row.classList.toggle("selected", selected.has(id));
    });
    selected.forEach(function (id) { if (!present.has(id)) selected.delete(id); });
    var form = bulkForm();
    if (!form) return;
    form.hidden = selected.size === 0;
    var count = form.querySelector("[data-bulk-count]");
    if (count) {
      count.textContent = selected.size === 1 ? count.dataset.one
        : (count.dataset.many || "__N__").replace("__N__", String(selected.size));
    }
  }
  function toggle(id, on) {
    if (on === undefined) on = !selected.has(id);
    if (on) selected.add(id); else selected.delete(id);
    syncSelection();
  }

  // --- row focus -----------------------------------------------------------------------
  function applyFocus(moveDomFocus) {
    rows().forEach(function (row) {
      var on = row.dataset.row === focusedId;
      row.classList.toggle("focused", on);
      if (on && moveDomFocus) {
        var link = rowLink(row);
        if (link) link.focus({ preventScroll: true });
        row.scrollIntoView({ block: "nearest" });
      }
    });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var ids = all.map(function (r) { return r.dataset.row; });
    var at = ids.indexOf(focusedId);
    if (at === -1) {
      var current = document.querySelector("#ticket-list a.ticket-row.current");
      at = current ? ids.indexOf(current.dataset.ticket) : -1;
      at = at === -1 ? (step > 0 ? 0 : ids.length - 1) : at + step;
    } else {
      at += step;
    }
    at = Math.max(0, Math.min(ids.length - 1, at));
    focusedId = ids[at];
    applyFocus(true);
  }
  function focusedRow() {
    return rows().filter(function (r) { return r.dataset.row === focusedId; })[0] || null;
  }

  // --- acting on the selection (or the focused row, or the open conversation) -----------
  function ensureSelection() {
    if (selected.size) return true;
    var row = focusedRow();
    if (!row) return false;
    toggle(row.dataset.row, true);
    return true;
  }
  function bulkSubmit(buttonId, setup) {
    var form = bulkForm(), button = document.getElementById(buttonId);
    if (!form || !button || !ensureSelection()) return false;
    if (setup) setup(form);
    form.requestSubmit(button);
    return true;
  }
  function bulkFocus(fieldId) {
    var field = document.getElementById(fieldId);
    if (!field || !ensureSelection()) return false;
    field.focus();
    return true;
  }
  function submitForm(id) {
    var form = document.getElementById(id);
    if (!form) return false;
    form.requestSubmit();
    return true;
  }
  function onConversation() { return !!document.getElementById("triage-bar"); }

  var actions = {
    j: function () { move(1); return true; },
    k: function () { move(-1); return true; },
    x: function () {
      if (!focusedId) move(1);
      if (!focusedId) return false;
      toggle(focusedId);
      return true;
    },
    r: function () {
      var reply = document.getElementById("reply-text");
      if (!reply) return false;
      reply.focus();
      return true;
    },
    a: function () {
      if (selected.size || (focusedId && !onConversation())) {
        return bulkSubmit("bulk-assign", function (form) { form.elements.assignee.value = "me"; });
      }
      return submitForm("quick-assign");
    },
    e: function () {
      if (selected.size || (focusedId && !onConversation())) {
        return bulkSubmit("bulk-set-status", function (form) { form.elements.status.value = "solved"; });
      }
      return submitForm("quick-solve");
    },
    s: function () {
      if (selected.size || (focusedId && !onConversation())) return bulkFocus("bulk-snooze");
      var menu = document.getElementById("snooze-menu");
      if (!menu) return false;
      menu.open = true;
      var first = menu.querySelector("button");
      if (first) first.focus();
      return true;
    },
    t: function () {
      if (selected.size || (focusedId && !onConversation())) return bulkFocus("bulk-tag");
      var input = document.getElementById("tag-input");
      if (!input) return false;
      input.focus();
      return true;
    },
    l: function () {
      // In a conversation: its own button (by the composer). In the inbox: the focused row's.
      if (onConversation()) {
        var send = document.getElementById("ack-send");
        if (!send) return false;
        if (send.disabled) {
          // Nothing can go now: point at the reason shown beside the button.
          var why = document.getElementById("ack-why");
          if (why) { why.classList.remove("attention"); void why.offsetWidth; why.classList.add("attention"); }
          return true;
        }
        send.form.requestSubmit(send);
        return true;
      }
      var row = focusedRow(), button = row && row.querySelector("[data-ack]");
      var form = document.getElementById("ack-row-form");
      if (!button || !form) return false;
      form.requestSubmit(button);
      return true;
    },
    "/": function () {
      var search = document.getElementById("inbox-search");
      if (!search) return false;
      search.focus();
      if (search.select) search.select();
      return true;
    },
    "?": function () {
      var dialog = document.getElementById("shortcuts");
      if (!dialog || dialog.open) return false;
      dialog.showModal();
      return true;
    },
  };

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (isTyping(e.target) || isTyping(document.activeElement)) return;
    var dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return;  // Esc closes it natively
    if (e.key === "Enter") {
      var active = document.activeElement;
      if (active && active !== document.body && !active.classList.contains("ticket-row")) return;
      var row = focusedRow(), link = row && rowLink(row);
      if (!link) return;
      e.preventDefault();
      window.location.assign(link.href);
      return;
    }
    var act = actions[e.key];
    if (act && act()) e.preventDefault();
  });

  // --- wiring --------------------------------------------------------------------------
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.classList && t.classList.contains("row-select")) {
      toggle(t.value, t.checked);
      focusedId = t.value;
      applyFocus(false);
    } else if (t.hasAttribute && t.hasAttribute("data-autosubmit") && t.form) {
      t.form.requestSubmit();
    }
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-bulk-clear]")) {
      selected.clear();
      syncSelection();
    }
  });
  function fillTimeZone() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (err) { zone = ""; }
    document.querySelectorAll("input[data-tz]").forEach(function (el) { el.value = zone; });
  }
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id !== "ticket-list") return;
    var hadFocus = document.activeElement === document.body || !document.activeElement;
    syncSelection();
    applyFocus(hadFocus && focusedId !== null);
  });
  // The nav comes with each list refresh: never swap it under someone typing a saved
  // view's name or holding its form open.
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var target = e.detail && e.detail.target;
    if (!target || target.id !== "nav") return;
    if (target.contains(document.activeElement) && isTyping(document.activeElement)) e.detail.shouldSwap = false;
    if (target.querySelector("details.save-view[open]")) e.detail.shouldSwap = false;
  });
  function init() {
    fillTimeZone();
    syncSelection();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
