// The inbox list's pages: the 2-second poll refreshes the first page (#ticket-page) only;
// pages brought by "Load more" are appended to #ticket-more and stay. After each refresh a
// row the first page now shows is dropped from the pages below, so none is listed twice.
(function () {
  function tidy() {
    var first = document.getElementById("ticket-page"), more = document.getElementById("ticket-more");
    if (!first || !more) return;
    var shown = {};
    first.querySelectorAll(".ticket-row[data-ticket]").forEach(function (row) { shown[row.dataset.ticket] = true; });
    more.querySelectorAll(".ticket-row[data-ticket]").forEach(function (row) {
      if (shown[row.dataset.ticket]) (row.closest(".triage-row") || row).remove();
    });
    // Once the second page is loaded, the next one comes from the last button below it.
    var button = first.querySelector("[data-load-more]");
    if (button) button.hidden = more.children.length > 0;
  }
  document.addEventListener("htmx:afterSwap", tidy);
  document.addEventListener("htmx:afterSettle", tidy);
})();
