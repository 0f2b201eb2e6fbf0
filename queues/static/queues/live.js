// Live updates: connection status, resynchronisation after a reconnection, the "N new jobs"
// notice, rows entering and leaving the list, new queues on the overview (inserted in name
// order), the page's CSRF token in pushed action forms, and polling when WebSockets are
// unavailable.
// Fragments themselves are swapped by htmx's hx-ws extension (out-of-band, by id).
(function () {
  "use strict";

  // Translations through queueboard.js's helpers (the English text without them).
  function t(text) {
    return window.qbT ? window.qbT(text) : text;
  }
  function qbNT(singular, plural, n) {
    return window.qbNT ? window.qbNT(singular, plural, n) : n === 1 ? singular : plural;
  }
  function fill(format, values) {
    return window.qbF ? window.qbF(format, values) : format.replace("%s", String(values[0]));
  }

  var POLL_KEY = "queueboard.pollSeconds";
  var POLL_CHOICES = [0, 2, 5, 15, 60];
  var GIVE_UP_MS = 5000;
  // The board's close codes (queues/live/consumers.py). After 4011-4013 (the user could not be
  // read again; what the user may do changed; too much held) hx-ws reconnects, as after its
  // own codes; after 4001, 4003 and 4008 (logged out, access revoked, a frame refused) the page
  // polls instead, which asks the server again.
  var RECONNECT_CODES = [1001, 1005, 1006, 1011, 1012, 1013, 1014, 4011, 4012, 4013];
  var FINAL_CODES = [4001, 4003, 4008];
  if (window.htmx) {
    window.htmx.config.ws = Object.assign({}, window.htmx.config.ws, {
      reconnectCodes: RECONNECT_CODES,
    });
  }
  var live = null;
  var state = { opened: false, open: false, failures: 0, timer: null, refreshing: false };

  function byId(id) {
    return document.getElementById(id);
  }

  function pollSeconds() {
    var value = parseInt(document.documentElement.getAttribute("data-poll-seconds") || "5", 10);
    try {
      var stored = window.localStorage.getItem(POLL_KEY);
      if (stored !== null) value = parseInt(stored, 10);
    } catch (e) {
      /* storage may be unavailable; keep the default */
    }
    return POLL_CHOICES.indexOf(value) >= 0 ? value : 5;
  }

  function setStatus(name, text) {
    live.setAttribute("data-live", name);
    byId("qb-live-text").textContent = text;
    byId("qb-live-poll").hidden = name !== "polling";
  }

  // -- polling when WebSockets are unavailable ------------------------------------------------

  function schedulePoll() {
    clearTimeout(state.timer);
    state.timer = null;
    var seconds = pollSeconds();
    if (state.open || !seconds) return;
    state.timer = setTimeout(function () {
      if (!document.hidden) refresh(false);
      schedulePoll();
    }, seconds * 1000);
  }

  function startPolling() {
    if (state.open) return;
    var seconds = pollSeconds();
    setStatus(
      "polling",
      seconds
        ? fill(t("Live updates unavailable: refreshing every %s s"), [seconds])
        : t("Live updates unavailable: automatic refresh off")
    );
    schedulePoll();
  }

  // -- refreshing the live regions from the page itself ---------------------------------------

  var REGIONS = '[id^="qb-q-"], [id^="qb-tab-count-"], [id^="qb-p-"], #job-state, #job-progress, #job-timeline, #job-logs';

  function atTop(list) {
    if (list.getAttribute("data-page") !== "1") return false;
    if (list.querySelector('input[name="ids"]:checked')) return false;
    return list.getBoundingClientRect().top >= 0;
  }

  function replaceList(list, fresh) {
    var imported = document.importNode(fresh, true);
    list.replaceWith(imported);
    if (window.htmx) window.htmx.process(imported);
    return imported;
  }

  function rowIds(root) {
    return Array.prototype.map
      .call(root.querySelectorAll("tr.qb-job-row"), function (row) {
        return row.getAttribute("data-job-id");
      })
      .join("\n");
  }

  // The same list: neither swapped by a tab, page or filter since, nor showing another view.
  function sameView(list, before, freshList) {
    if (list !== before) return false;
    return ["data-state", "data-page", "data-per-page"].every(function (name) {
      return list.getAttribute(name) === freshList.getAttribute(name);
    });
  }

  // Fetch the page again and put its live regions in place. The job list is replaced only
  // when that moves nothing under the reader (page 1, top in view, nothing selected) or when
  // asked; otherwise the notice offers it. An answer that arrives after the reader moved on
  // (another tab or page swapped in while it was on its way) describes a view no longer
  // shown and is dropped: the next update or poll refreshes the view now shown.
  function refresh(force) {
    if (state.refreshing) return;
    state.refreshing = true;
    var url = window.location.href;
    var before = byId("job-list");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (window.location.href !== url) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll(REGIONS).forEach(function (region) {
          var fresh = doc.getElementById(region.id);
          if (fresh) region.replaceWith(document.importNode(fresh, true));
        });
        followRegions(doc, null);
        var list = byId("job-list");
        var freshList = doc.getElementById("job-list");
        if (!list || !freshList || !sameView(list, before, freshList)) return;
        if (rowIds(list) !== rowIds(freshList)) {
          if (force || atTop(list)) {
            var shown = replaceList(list, freshList);
            if (force) {
              var first = shown.querySelector("a.qb-job-id") || shown.querySelector(".qb-tab");
              if (first) first.focus();
            }
          } else {
            showNotice(list, 0, t("The list has changed"));
          }
        }
      })
      .catch(function () {
        /* the next poll or update tries again */
      })
      .then(function () {
        state.refreshing = false;
      });
  }

  // -- the job page: every field follows its job ---------------------------------------------

  // A job message (its state or log lines changed) brings the job's own regions as fragments;
  // every other field (attempts started, worker, timestamps, the log count in the tabs, the
  // return value in the open tab, the flow) is taken from the page itself, fetched again once
  // per burst of messages. A region is replaced only when the server's version of it changed
  // since the last fetch, and not when the reader moved on (another tab swapped in).
  var FOLLOW = ["job-header", "job-tabs", "job-tab-panel"];
  var FOLLOW_DELAY_MS = 250;
  var followed = { timer: null, running: false, again: false, sources: new WeakMap() };

  function follow() {
    clearTimeout(followed.timer);
    followed.timer = setTimeout(fetchFollowed, FOLLOW_DELAY_MS);
  }

  function followRegions(doc, before) {
    FOLLOW.forEach(function (id, index) {
      var region = byId(id);
      var fresh = doc.getElementById(id);
      if (!region || !fresh || (before && region !== before[index])) return;
      // The logs tab's lines come as fragments; its filter and follow controls stay as set.
      if (region.querySelector("#job-logs")) return;
      if (inUse(region)) return;
      var focused = document.activeElement;
      var source = fresh.outerHTML;
      var known = followed.sources.has(region) ? followed.sources.get(region) : region.outerHTML;
      if (known === source) return;
      var focusedId = focused && region.contains(focused) ? focused.id : "";
      var imported = document.importNode(fresh, true);
      keepLoaded(region, imported);
      region.replaceWith(imported);
      followed.sources.set(imported, source);
      fillCsrf(imported);
      if (window.htmx) window.htmx.process(imported);
      imported.dispatchEvent(new CustomEvent("qb:followed", { bubbles: true }));
      if (focusedId && byId(focusedId)) byId(focusedId).focus();
    });
  }

  // Not under the reader's typing, nor a form filled in and not sent yet (a reschedule time):
  // the next update replaces it.
  function inUse(region) {
    var focused = document.activeElement;
    if (focused && region.contains(focused) && focused.matches("input, textarea, select")) {
      return true;
    }
    return typedIn(region);
  }

  function typedIn(region) {
    return Array.prototype.some.call(region.querySelectorAll("input, textarea"), function (el) {
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.type === "hidden") return false;
      return el.value !== el.defaultValue;
    });
  }

  // Parts loaded after the page (marked data-qb-keep: the flow tree) stay as they are in a
  // replaced region, and are asked to load again.
  function keepLoaded(region, imported) {
    imported.querySelectorAll("[data-qb-keep][id]").forEach(function (placeholder) {
      var loaded = region.querySelector("#" + placeholder.id);
      if (!loaded) return;
      placeholder.replaceWith(loaded);
      refreshFlow();
    });
  }

  // -- the job page: the flow tree, loaded again when a job in it moves ---------------------

  // A move seen while the tree is loading asks for one more load once that one is done: htmx
  // would queue it on the element the load replaces, and drop its answer.
  var flowLoad = { timer: null, busy: false, again: false };

  function refreshFlow() {
    clearTimeout(flowLoad.timer);
    flowLoad.timer = setTimeout(function () {
      var flow = byId("job-flow");
      if (!flow || !window.htmx) return;
      if (flowLoad.busy) {
        flowLoad.again = true;
        return;
      }
      window.htmx.trigger(flow, "qb-flow-refresh");
    }, FOLLOW_DELAY_MS);
  }

  function isFlowLoad(event) {
    var ctx = event.detail && event.detail.ctx;
    return !!(ctx && ctx.sourceElement && ctx.sourceElement.id === "job-flow");
  }

  document.addEventListener("htmx:before:request", function (event) {
    if (isFlowLoad(event)) flowLoad.busy = true;
  });
  document.addEventListener("htmx:finally:request", function (event) {
    if (!isFlowLoad(event)) return;
    flowLoad.busy = false;
    if (flowLoad.again) {
      flowLoad.again = false;
      refreshFlow();
    }
  });

  function onFlowMoves(keys) {
    var flow = byId("job-flow");
    if (!flow) return;
    var known = keys.some(function (key) {
      return /^[0-9a-f]+$/.test(key) && flow.querySelector('[data-flow-key="' + key + '"]');
    });
    if (known) refreshFlow();
  }

  function fetchFollowed() {
    if (!byId(FOLLOW[0])) return;
    if (followed.running) {
      followed.again = true;
      return;
    }
    followed.running = true;
    var url = window.location.href;
    var before = FOLLOW.map(byId);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (window.location.href !== url) return;
        followRegions(new DOMParser().parseFromString(html, "text/html"), before);
      })
      .catch(function () {
        /* the next update or poll tries again */
      })
      .then(function () {
        followed.running = false;
        if (followed.again) {
          followed.again = false;
          follow();
        }
      });
  }

  // -- the job list: rows entering and leaving ------------------------------------------------

  function showNotice(list, more, text) {
    var pending = parseInt(list.getAttribute("data-pending") || "0", 10) + more;
    list.setAttribute("data-pending", String(pending));
    var notice = list.querySelector("#qb-new-jobs");
    var button = list.querySelector("#qb-new-jobs-button");
    if (!notice || !button) return;
    if (pending > 0) {
      button.textContent = fill(qbNT("%s new job · show", "%s new jobs · show", pending), [pending]);
    } else if (text) {
      button.textContent = fill(t("%s · show"), [text]);
    }
    notice.hidden = false;
  }

  function findRow(list, jobId) {
    var rows = list.querySelectorAll("tr.qb-job-row");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-job-id") === jobId) return rows[i];
    }
    return null;
  }

  function insertRows(list, html) {
    var body = list.querySelector("table.qb-jobs tbody");
    if (!body) return 0;
    var template = document.createElement("template");
    template.innerHTML = html;
    var fragment = document.createDocumentFragment();
    var count = 0;
    Array.prototype.slice.call(template.content.querySelectorAll("tr.qb-job-row")).forEach(
      function (row) {
        count++;
        if (!findRow(list, row.getAttribute("data-job-id"))) fragment.appendChild(row);
      }
    );
    body.insertBefore(fragment, body.firstChild);
    var perPage = parseInt(list.getAttribute("data-per-page") || "20", 10);
    while (body.rows.length > perPage) body.deleteRow(body.rows.length - 1);
    return count;
  }

  // -- the overview: a queue that appeared after the page loaded --------------------------

  function addQueueRow(added) {
    var section = byId(added.section);
    // A section showing a page or a filtered part of its queues: where the new queue goes is
    // the server's to say (a reload places it), so it is not inserted here.
    if (!section || section.hasAttribute("data-partial")) return;
    var body = section.querySelector("table.qb-queues tbody");
    if (!body) {
      refreshSection(section);
      return;
    }
    var template = document.createElement("template");
    template.innerHTML = added.row;
    var row = template.content.querySelector("tr.qb-queue-row");
    if (!row || byId(row.id)) return;
    var before = added.before ? byId(added.before) : null;
    body.insertBefore(row, before && before.parentNode === body ? before : null);
    if (window.htmx) window.htmx.process(row);
  }

  // A section that showed "No queues yet" has no table to insert into: take it from the page.
  function refreshSection(section) {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(section.id);
        var current = byId(section.id);
        if (fresh && current) {
          var imported = document.importNode(fresh, true);
          current.replaceWith(imported);
          if (window.htmx) window.htmx.process(imported);
        }
      })
      .catch(function () {
        /* the next update or reload shows it */
      });
  }

  // -- the job page: pushed action forms carry a placeholder for the page's CSRF token -------

  var CSRF_PLACEHOLDER = "live";

  function fillCsrf(root) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (!meta || !root.querySelectorAll) return;
    root.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (input) {
      if (input.value === CSRF_PLACEHOLDER) input.value = meta.getAttribute("content");
    });
  }

  function onQueueData(data) {
    if (data.job) {
      follow();
      return;
    }
    if (data.flow) {
      onFlowMoves(data.flow);
      return;
    }
    if (data.resync) {
      refresh(false);
      return;
    }
    if (data.added) {
      addQueueRow(data.added);
      return;
    }
    var list = byId("job-list");
    if (!list) return;
    var viewed = list.getAttribute("data-state");
    (data.moved || []).forEach(function (move) {
      if (move[1].indexOf(viewed) >= 0) return;
      var row = findRow(list, move[0]);
      if (row) row.remove();
    });
    var entered = (data.entered && data.entered[viewed]) || 0;
    // A search lists matches only: a new job is not known to match, so it is not offered.
    if (!entered || list.hasAttribute("data-search")) return;
    var inserted = 0;
    var pending = parseInt(list.getAttribute("data-pending") || "0", 10);
    if (!pending && atTop(list) && !list.querySelector("table.qb-jobs tbody")) {
      // An empty list has no table to insert into: the page brings the list with its rows.
      refresh(false);
      return;
    }
    if (data.rows && data.rows[viewed] && !pending && atTop(list)) {
      inserted = insertRows(list, data.rows[viewed]);
    }
    if (entered > inserted) showNotice(list, entered - inserted);
  }

  // -- wiring ---------------------------------------------------------------------------------

  function init() {
    live = byId("qb-live");
    if (!live) return;
    // The regions as the server sent them, before other scripts dress them up (the JSON
    // viewer): a region is replaced only when the server's version changes.
    FOLLOW.forEach(function (id) {
      var region = byId(id);
      if (region) followed.sources.set(region, region.outerHTML);
    });
    var select = byId("qb-poll-interval");
    select.value = String(pollSeconds());
    select.addEventListener("change", function () {
      try {
        window.localStorage.setItem(POLL_KEY, select.value);
      } catch (e) {
        /* the choice lasts for this page only */
      }
      startPolling();
    });

    document.addEventListener(
      "submit",
      function (event) {
        fillCsrf(event.target);
      },
      true
    );

    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("#qb-new-jobs-button");
      if (button) refresh(true);
    });

    live.addEventListener("htmx:ws:after:connection", function () {
      var reconnected = state.opened;
      state.open = state.opened = true;
      state.failures = 0;
      clearTimeout(state.timer);
      setStatus("live", t("Live"));
      if (reconnected) refresh(false);
    });

    live.addEventListener("htmx:ws:close", function (event) {
      state.open = false;
      state.failures++;
      var code = event.detail && event.detail.code;
      if (FINAL_CODES.indexOf(code) >= 0) {
        startPolling();
      } else if (document.hidden) {
        setStatus("paused", t("Live updates paused in the background"));
      } else if (state.failures >= (state.opened ? 3 : 2)) {
        startPolling();
      } else {
        setStatus("connecting", state.opened ? t("Reconnecting…") : t("Connecting to live updates…"));
      }
    });

    // Pushed fragments (the snapshot sent on connect, a job's new actions) skip a region in
    // use: a form filled in before the socket's first message kept its value only until then.
    live.addEventListener("htmx:before:swap", function (event) {
      var tasks = event.detail && event.detail.tasks;
      if (!tasks) return;
      for (var i = tasks.length - 1; i >= 0; i--) {
        var target = tasks[i].target;
        if (target && target.querySelectorAll && inUse(target)) tasks.splice(i, 1);
      }
    });

    live.addEventListener("htmx:ws:after:message:incoming", function (event) {
      var message = event.detail && event.detail.message;
      var actions = byId("job-actions");
      if (actions) fillCsrf(actions);
      if (!message || typeof message.data !== "string" || message.data.charAt(0) !== "{") return;
      try {
        var data = JSON.parse(message.data);
        if (data.qb) onQueueData(data.qb);
      } catch (e) {
        /* not ours */
      }
    });

    if (!window.WebSocket) {
      startPolling();
      return;
    }
    // htmx 4 starts on a timer once the document is parsed; the hx-ws extension (a later
    // deferred script) may register after that first pass and miss this element. Once every
    // deferred script has run, process the element again if no socket was set up (idempotent).
    var ensureSocket = function () {
      var ws = live._htmx && live._htmx.ws;
      if (window.htmx && !(ws && ws.initialized)) window.htmx.process(live);
    };
    document.addEventListener("DOMContentLoaded", ensureSocket);
    window.addEventListener("load", ensureSocket);
    // live.js loads before the extension, so no event is missed; check anyway.
    var connection = live._htmx && live._htmx.ws && live._htmx.ws.connection;
    if (connection && connection.socket && connection.socket.readyState === 1) {
      state.open = state.opened = true;
      setStatus("live", t("Live"));
    }
    setTimeout(function () {
      if (!state.opened) startPolling();
    }, GIVE_UP_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
