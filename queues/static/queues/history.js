// The history panel (partials/history_panel.html) is polled by htmx ("every 30s") only while
// the page is shown: a poll due while the tab is hidden is cancelled, and the panel is fetched
// once when the tab is shown again.
(function () {
  "use strict";
  document.addEventListener("htmx:config:request", function (event) {
    var source = event.target;
    if (document.hidden && source && source.closest && source.closest("[data-qb-history]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    var panel = document.querySelector("[data-qb-history]");
    var url = panel && panel.getAttribute("hx-get");
    if (!document.hidden && url && window.htmx) {
      window.htmx.ajax("GET", url, { target: panel, swap: "outerHTML" });
    }
  });
})();
