// Moments and ages in the viewer's time zone. The server writes each moment as
// <time datetime="…Z" data-qb-time="s|ms">2026-12-01 18:25:56 UTC</time> and each age as
// <span data-qb-age="…Z" data-qb-age-mode="age|due">3 min ago</span>; this script shows the
// moment in the browser's zone with the zone's name ("2026-12-01 13:25:56 EST") and ticks the
// ages every few seconds, also in regions swapped in later (live updates, tabs, pages).
(function () {
  "use strict";

  var TICK_MS = 5000;

  // The board's translations (queueboard.js); qbT("…") and qbNT(…) are extraction keywords.
  function qbT(text) {
    return window.qbT ? window.qbT(text) : text;
  }

  function qbNT(singular, plural, n) {
    if (window.qbNT) return window.qbNT(singular, plural, n);
    return n === 1 ? singular : plural;
  }



  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < (width || 2)) s = "0" + s;
    return s;
  }

  // The zone's short name: "EST", "CET", "UTC"; "GMT+5:30" where no abbreviation is known.
  function zoneName(date) {
    var found = "";
    ["en-US", "en-GB"].some(function (locale) {
      try {
        var parts = new Intl.DateTimeFormat(locale, { timeZoneName: "short" }).formatToParts(date);
        for (var i = 0; i < parts.length; i++) {
          if (parts[i].type === "timeZoneName") {
            var name = parts[i].value;
            if (!found) found = name;
            if (!/^(GMT|UTC)[+-−]/.test(name)) {
              found = name;
              return true;
            }
          }
        }
      } catch (e) {
        /* no Intl: keep what we have */
      }
      return false;
    });
    return found === "GMT" && !date.getTimezoneOffset() ? "UTC" : found;
  }

  function zoneId() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  function local(date, ms) {
    var text =
      date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
    if (ms) text += "." + pad(date.getMilliseconds(), 3);
    var zone = zoneName(date);
    return zone ? text + " " + zone : text;
  }

  // The server's wording (queues/templatetags/queueboard.py _span), so a tick changes nothing
  // but the numbers.
  function span(seconds) {
    seconds = Math.abs(seconds);
    if (seconds < 1) return Math.floor(seconds * 1000) + " ms";
    if (seconds < 60) return (seconds < 10 ? seconds.toFixed(1) : Math.floor(seconds)) + " s";
    var minutes = Math.floor(seconds / 60);
    var secs = Math.floor(seconds) % 60;
    if (minutes < 60) return secs ? minutes + " min " + secs + " s" : minutes + " min";
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 48) return minutes ? hours + " h " + minutes + " min" : hours + " h";
    return Math.floor(hours / 24) + " d";
  }

  function relative(date, due, now) {
    var delta = (now - date.getTime()) / 1000;
    var values = { span: span(delta) };
    if (delta < 0) return fill(qbT("in %(span)s"), values);
    if (due) return fill(qbT("overdue by %(span)s"), values);
    return fill(qbT("%(span)s ago"), values);
  }

  function parse(value) {
    var date = new Date(value);
    return isNaN(date.getTime()) ? null : date;
  }

  function convert(root) {
    var zone = zoneId();
    root.querySelectorAll("time[data-qb-time]:not([data-qb-local])").forEach(function (el) {
      var date = parse(el.getAttribute("datetime"));
      if (!date) return;
      var utc = el.textContent;
      el.textContent = local(date, el.getAttribute("data-qb-time") === "ms");
      el.setAttribute("data-qb-local", zone);
      el.title = utc + (zone ? " · " + zone : "");
    });
  }

  function tick(root) {
    var now = Date.now();
    root.querySelectorAll("[data-qb-age]").forEach(function (el) {
      var date = parse(el.getAttribute("data-qb-age"));
      if (!date) return;
      var text = relative(date, el.getAttribute("data-qb-age-mode") === "due", now);
      if (el.textContent !== text) el.textContent = text;
      var time = el.closest("[data-qb-age-title]");
      if (time) time.title = text;
    });
  }

  var pending = false;
  function refreshSoon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      convert(document);
      tick(document);
    });
  }

  function init() {
    convert(document);
    tick(document);
    window.setInterval(function () {
      if (!document.hidden) tick(document);
    }, TICK_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) tick(document);
    });
    // Regions swapped in later (htmx tabs and pages, live fragments, polling) bring new moments.
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        if (records[i].addedNodes.length) {
          refreshSoon();
          return;
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  window.qbTime = { local: local, relative: relative, span: span, zoneName: zoneName };

  // After every deferred script (on DOMContentLoaded): live.js first keeps the regions as the
  // server sent them, to compare later versions with.
  if (document.readyState === "complete") {
    init();
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
