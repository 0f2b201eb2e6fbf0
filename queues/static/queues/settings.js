// The header's Settings panel: theme, jobs per page, the job tab opened, the refresh interval
// without live updates and single-job confirmations, kept per browser in the qb_prefs cookie.
// The server reads the cookie (queues/preferences.py) and renders each page with it, so the
// first paint is right; this script only writes the cookie and applies what it can at once
// (the theme, the confirmations and the refresh interval) through <html>'s data-* attributes.
(function () {
  "use strict";

  var COOKIE = "qb_prefs";
  // The live status's own refresh menu keeps its choice here (live.js reads it first).
  var POLL_KEY = "queueboard.pollSeconds";
  var root = document.documentElement;

  function storedPoll() {
    try {
      return window.localStorage.getItem(POLL_KEY);
    } catch (e) {
      return null;
    }
  }

  function save(form) {
    var theme = form.querySelector('input[name="theme"]:checked');
    var values = {
      theme: theme ? theme.value : "system",
      per_page: form.elements.per_page.value,
      tab: form.elements.tab.value,
      poll: form.elements.poll.value,
      confirm: form.elements.confirm.checked ? "1" : "0",
    };
    // Only the form's own choices go in, each checked again by the server.
    var text = Object.keys(values)
      .map(function (name) {
        return name + "=" + String(values[name]).replace(/[^a-z0-9]/g, "");
      })
      .join("&");
    var dialog = form.closest("dialog");
    var path = (dialog && dialog.getAttribute("data-cookie-path")) || "/";
    var cookie = COOKIE + "=" + text + "; Path=" + path + "; Max-Age=31536000; SameSite=Lax";
    if (window.location.protocol === "https:") cookie += "; Secure";
    document.cookie = cookie;
    root.setAttribute("data-theme", values.theme);
    root.setAttribute("data-confirm", values.confirm === "1" ? "on" : "off");
    root.setAttribute("data-poll-seconds", values.poll);
    var meta = document.querySelector('meta[name="color-scheme"]');
    if (meta) meta.content = values.theme === "system" ? "light dark" : values.theme;
    try {
      window.localStorage.setItem(POLL_KEY, values.poll);
    } catch (e) {
      /* live.js falls back to data-poll-seconds */
    }
    var menu = document.getElementById("qb-poll-interval");
    if (menu && menu.value !== values.poll) {
      menu.value = values.poll;
      menu.dispatchEvent(new Event("change"));
    }
  }

  function init() {
    var open = document.getElementById("qb-settings-open");
    var dialog = document.getElementById("qb-settings");
    if (!open || !dialog || typeof dialog.showModal !== "function") return;
    var form = dialog.querySelector("form");
    open.hidden = false;
    open.addEventListener("click", function () {
      // The live status's menu may hold a newer refresh choice than the cookie.
      var poll = storedPoll();
      var select = form.elements.poll;
      if (poll !== null && select.querySelector('option[value="' + parseInt(poll, 10) + '"]')) {
        select.value = String(parseInt(poll, 10));
      }
      dialog.showModal();
    });
    form.addEventListener("change", function () {
      save(form);
    });
    var perPage = form.elements.per_page.value;
    dialog.addEventListener("close", function () {
      // A job list on show is read again at the new size, from its first page.
      if (form.elements.per_page.value !== perPage && document.getElementById("job-list")) {
        var url = new URL(window.location.href);
        url.searchParams.delete("page");
        url.searchParams.delete("per_page");
        window.location.assign(url.toString());
        return;
      }
      open.focus();
    });
    // A click on the backdrop (outside the panel) closes it, as Esc does.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
