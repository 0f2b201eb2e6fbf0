// Queueboard's own script. No inline scripts anywhere, so a strict Content-Security-Policy holds.
(function () {
  "use strict";

  // Translations: the board's JavaScript catalog (jsi18n, loaded before this script) defines
  // gettext and ngettext; without it the English text is shown. Other scripts use them as
  // qbT("Copy") and qbNT("%s job", "%s jobs", n) (both are extraction keywords:
  // scripts/messages.sh), and qbF(qbNT(...), [n]) to put the number in.
  window.qbT = function (text) {
    return typeof window.gettext === "function" ? window.gettext(text) : text;
  };
  window.qbNT = function (singular, plural, n) {
    if (typeof window.ngettext === "function") return window.ngettext(singular, plural, n);
    return n === 1 ? singular : plural;
  };
  window.qbF = function (format, values) {
    if (typeof window.interpolate === "function") return window.interpolate(format, values);
    var i = 0;
    return format.replace(/%s/g, function () { return String(values[i++]); });
  };

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

  // Ask before destructive buttons that carry data-confirm, unless this browser's Settings
  // turned these prompts off (data-confirm="off" on <html>, from the qb_prefs cookie).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (document.documentElement.getAttribute("data-confirm") === "off") return;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
