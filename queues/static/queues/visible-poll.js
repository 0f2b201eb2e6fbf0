// Panels marked data-poll-while-visible (the server panel) are polled by htmx ("every 10s")
// only while the page is shown: a poll due while the tab is hidden is cancelled.
(function () {
  "use strict";
  document.addEventListener("htmx:config:request", function (event) {
    var source = event.target;
    if (document.hidden && source && source.closest && source.closest("[data-poll-while-visible]")) {
      event.preventDefault();
    }
  });
})();
