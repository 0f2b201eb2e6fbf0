// Live schedules: the board's Schedules page, a queue's schedules panel (on the queue page and
// on its own page) and one schedule's page follow their queues' events. A job a schedule armed
// (id "repeat:<scheduler id>:<millis>") that moves (armed anew, started, finished) makes the
// page fetch its schedule regions again, once per burst of events: every element with
// data-qb-schedules-refresh="<url>" is replaced by the element of the same id in that URL's
// answer, when the server's version changed. The socket's messages say { schedules: true }
// (schedule pages) or list the jobs that moved (the queue page's own socket). Without a socket
// (live.js shows "polling"), the regions are fetched again at the pace chosen there.
(function () {
  "use strict";

  var DELAY_MS = 400;
  var PREFIX = "repeat:";
  var timer = null;
  var running = false;
  var again = false;
  var sources = new WeakMap();

  function regions() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-qb-schedules-refresh][id]"));
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  }

  function busy(region) {
    var focused = document.activeElement;
    return focused && region.contains(focused) && focused.matches("input, textarea, select");
  }

  function replace(region, fresh) {
    var source = fresh.outerHTML;
    var known = sources.has(region) ? sources.get(region) : null;
    if (known === source || busy(region)) return;
    var imported = document.importNode(fresh, true);
    region.replaceWith(imported);
    sources.set(imported, source);
    if (window.htmx) window.htmx.process(imported);
  }

  function refresh() {
    var shown = regions();
    if (!shown.length) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    var byUrl = {};
    shown.forEach(function (region) {
      var url = region.getAttribute("data-qb-schedules-refresh");
      (byUrl[url] = byUrl[url] || []).push(region);
    });
    var page = window.location.href;
    var fetches = Object.keys(byUrl).map(function (url) {
      return fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "text/html", "HX-Request": "true" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (window.location.href !== page) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          byUrl[url].forEach(function (region) {
            var fresh = doc.getElementById(region.id);
            if (fresh && region.isConnected) replace(region, fresh);
          });
        })
        .catch(function () {
          /* the next event tries again */
        });
    });
    Promise.all(fetches).then(function () {
      running = false;
      if (again) {
        again = false;
        soon();
      }
    });
  }

  function armedJobMoved(moved) {
    return (moved || []).some(function (move) {
      return typeof move[0] === "string" && move[0].indexOf(PREFIX) === 0;
    });
  }

  function onMessage(event) {
    var message = event.detail && event.detail.message;
    if (!message || typeof message.data !== "string" || message.data.charAt(0) !== "{") return;
    var data;
    try {
      data = JSON.parse(message.data).qb;
    } catch (e) {
      return;
    }
    if (data && (data.schedules || data.resync || armedJobMoved(data.moved))) soon();
  }

  // live.js's polling pace (its menu, kept in localStorage; 0: off).
  var POLL_KEY = "queueboard.pollSeconds";
  var pollTimer = null;

  function pollSeconds() {
    var value = parseInt(document.documentElement.getAttribute("data-poll-seconds") || "5", 10);
    try {
      var stored = window.localStorage.getItem(POLL_KEY);
      if (stored !== null) value = parseInt(stored, 10);
    } catch (e) {
      /* the page's default */
    }
    return isNaN(value) ? 5 : value;
  }

  function followPolling(live) {
    clearTimeout(pollTimer);
    pollTimer = null;
    var seconds = pollSeconds();
    if (live.getAttribute("data-live") !== "polling" || !seconds) return;
    pollTimer = setTimeout(function () {
      if (!document.hidden) refresh();
      followPolling(live);
    }, seconds * 1000);
  }

  function init() {
    var live = document.getElementById("qb-live");
    regions().forEach(function (region) {
      sources.set(region, region.outerHTML);
    });
    // The queue page loads its panel after the page: remember the server's version then.
    document.addEventListener("htmx:after:swap", function () {
      regions().forEach(function (region) {
        if (!sources.has(region)) sources.set(region, region.outerHTML);
      });
    });
    if (!live) return;
    new MutationObserver(function () {
      followPolling(live);
    }).observe(live, { attributes: true, attributeFilter: ["data-live"] });
    var menu = document.getElementById("qb-poll-interval");
    if (menu) {
      menu.addEventListener("change", function () {
        setTimeout(function () {
          followPolling(live);
        }, 0);
      });
    }
    live.addEventListener("htmx:ws:after:message:incoming", onMessage);
    var opened = false;
    live.addEventListener("htmx:ws:after:connection", function () {
      if (opened) soon(); // reconnected: events may have been missed
      opened = true;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
