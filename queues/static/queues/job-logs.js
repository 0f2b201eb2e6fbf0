// The job page's log lines: newest first (as the server sends them) or oldest first, a text
// filter, follow-live and copy. Live updates replace the list (#job-logs) as a whole; the
// choices here are applied again to each new list: with "Follow live" on, the newest line
// stays in view (at the top, or at the bottom when oldest first); with it off, the lines in
// view stay where they were.
(function () {
  "use strict";

  var state = { box: null, oldest: false, filter: "", follow: true, top: 0, height: 0 };

  // The board's translations (queueboard.js); qbT("…") and qbNT(…) are extraction keywords.
  function qbT(text) {
    return window.qbT ? window.qbT(text) : text;
  }

  function qbNT(singular, plural, n) {
    if (window.qbNT) return window.qbNT(singular, plural, n);
    return n === 1 ? singular : plural;
  }

  function qbF(format, values) {
    var i = 0;
    return format.replace(/%s/g, function () {
      return String(values[i++]);
    });
  }

  function view() {
    return document.querySelector("[data-qb-logs]");
  }

  function list() {
    var found = document.getElementById("job-logs");
    return found && found.tagName === "OL" ? found : null;
  }

  function lines(ol) {
    return Array.prototype.slice.call(ol.children);
  }

  function lineNumber(li) {
    return li ? parseInt(li.getAttribute("value") || "0", 10) : 0;
  }

  // The order is read from the lines' numbers: a swap may replace the list or only its lines.
  function applyOrder(ol) {
    var items = lines(ol);
    if (items.length < 2) return;
    var newestFirst = lineNumber(items[0]) > lineNumber(items[items.length - 1]);
    if (newestFirst === !state.oldest) return;
    var fragment = document.createDocumentFragment();
    items.reverse().forEach(function (li) {
      fragment.appendChild(li);
    });
    ol.appendChild(fragment);
    ol.setAttribute("data-order", state.oldest ? "oldest" : "newest");
  }

  // What lines a list holds, whatever their order.
  function signature(ol) {
    var items = lines(ol);
    var a = lineNumber(items[0]);
    var b = lineNumber(items[items.length - 1]);
    return items.length + ":" + Math.min(a, b) + ":" + Math.max(a, b);
  }

  function applyFilter(ol) {
    var needle = state.filter.toLowerCase();
    var shown = 0;
    var all = lines(ol);
    all.forEach(function (li) {
      var match = !needle || li.textContent.toLowerCase().indexOf(needle) >= 0;
      li.hidden = !match;
      if (match) shown++;
    });
    var box = view();
    var note = box && box.querySelector("[data-logs-shown]");
    if (note) {
      note.textContent = needle
        ? qbF(qbNT("%s of %s line matches", "%s of %s lines match", all.length), [shown, all.length])
        : "";
    }
  }

  function follow(ol) {
    if (state.follow) {
      ol.scrollTop = state.oldest ? ol.scrollHeight : 0;
    } else if (!state.oldest) {
      ol.scrollTop = state.top + (ol.scrollHeight - state.height);
    } else {
      ol.scrollTop = state.top;
    }
    remember(ol);
  }

  function remember(ol) {
    state.top = ol.scrollTop;
    state.height = ol.scrollHeight;
  }

  function apply(fresh) {
    var ol = list();
    var box = view();
    if (!ol || !box) return;
    if (box !== state.box) {
      // A new panel (the Logs tab swapped in again, a live refresh of the panel) shows the
      // choices made on this page.
      state.box = box;
      var input = box.querySelector("[data-logs-filter]");
      if (input) input.value = state.filter;
      var followBox = box.querySelector("[data-logs-follow]");
      if (followBox) followBox.checked = state.follow;
      var order = box.querySelector("[data-logs-order]");
      if (order) order.textContent = order.getAttribute(state.oldest ? "data-oldest" : "data-newest");
    }
    var tools = box.querySelector(".qb-logs-tools");
    if (tools) tools.hidden = false;
    applyOrder(ol);
    applyFilter(ol);
    if (fresh) follow(ol);
    if (!ol.qbWatched) {
      ol.qbWatched = true;
      ol.addEventListener("scroll", function () {
        remember(ol);
      });
    }
  }

  function copyLines(button) {
    var ol = list();
    if (!ol) return;
    var text = lines(ol)
      .filter(function (li) {
        return !li.hidden;
      })
      .map(function (li) {
        return li.textContent;
      })
      .join("\n");
    if (window.qbCopy) {
      window.qbCopy(text, button);
    } else if (navigator.clipboard) {
      navigator.clipboard.writeText(text);
    }
  }

  function init() {
    document.addEventListener("input", function (event) {
      if (!event.target.matches || !event.target.matches("[data-logs-filter]")) return;
      state.filter = event.target.value;
      apply(false);
    });
    document.addEventListener("change", function (event) {
      if (!event.target.matches || !event.target.matches("[data-logs-follow]")) return;
      state.follow = event.target.checked;
      var ol = list();
      if (ol && state.follow) follow(ol);
    });
    document.addEventListener("click", function (event) {
      var target = event.target.closest && event.target.closest("[data-logs-order], [data-logs-copy]");
      if (!target) return;
      if (target.hasAttribute("data-logs-copy")) {
        copyLines(target);
        return;
      }
      state.oldest = !state.oldest;
      target.textContent = target.getAttribute(state.oldest ? "data-oldest" : "data-newest");
      var ol = list();
      if (ol) {
        applyOrder(ol);
        ol.scrollTop = state.oldest ? ol.scrollHeight : 0;
        remember(ol);
      }
    });
    var seen = { list: list(), signature: "" };
    apply(false);
    if (seen.list) seen.signature = signature(seen.list);
    // New lines (a live update, polling, the Logs tab swapped in) get the same choices.
    new MutationObserver(function () {
      var ol = list();
      if (!ol) return;
      var now = signature(ol);
      if (ol === seen.list && now === seen.signature) return;
      seen.list = ol;
      apply(true);
      seen.signature = signature(ol);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
