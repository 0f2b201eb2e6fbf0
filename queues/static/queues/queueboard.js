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
})();
