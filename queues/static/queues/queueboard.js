// Queueboard's own script. No inline scripts anywhere, so a strict Content-Security-Policy holds.
(function () {
  "use strict";

  // Send Django's CSRF token with every htmx request that changes something.
  document.addEventListener("htmx:config:request", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var ctx = event.detail && event.detail.ctx;
    if (meta && ctx && ctx.request && ctx.request.headers) {
      ctx.request.headers["X-CSRFToken"] = meta.content;
    }
  });

  // "Select all on this page" for the job list (works after htmx swaps the list).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("qb-select-all")) return;
    var list = box.closest("#job-list") || document;
    list.querySelectorAll('input[name="ids"]').forEach(function (item) {
      item.checked = box.checked;
    });
  });

  // Ask before destructive buttons that carry data-confirm.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
