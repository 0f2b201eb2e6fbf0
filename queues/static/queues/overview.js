// The overview's "no workers" badges: each backend section lists, in data-no-workers, the
// queues no worker serves (read once per page load for all of them); their rows get a badge,
// kept through live row updates and section refreshes. Names are compared as text, and the
// badge's text is set with textContent.
(function () {
  "use strict";

  function mark(section) {
    var names;
    try {
      names = new Set(JSON.parse(section.getAttribute("data-no-workers") || "[]"));
    } catch (e) {
      return;
    }
    var label = section.getAttribute("data-no-workers-label") || "No workers";
    var title = section.getAttribute("data-no-workers-title") || "";
    section.querySelectorAll("tr.qb-queue-row[data-queue]").forEach(function (row) {
      var badge = row.querySelector(".qb-badge-no-workers");
      var wanted = names.has(row.getAttribute("data-queue"));
      if (wanted && !badge) {
        badge = document.createElement("span");
        badge.className = "qb-badge qb-badge-no-workers";
        badge.textContent = label;
        if (title) badge.title = title;
        var cell = row.querySelector("th");
        if (!cell) return;
        cell.insertBefore(badge, cell.querySelector(".qb-bar"));
      } else if (!wanted && badge) {
        badge.remove();
      }
    });
  }

  function markAll() {
    document.querySelectorAll("section.qb-backend[data-no-workers]").forEach(mark);
  }

  markAll();
  var main = document.getElementById("main");
  if (main && window.MutationObserver) {
    new MutationObserver(markAll).observe(main, { childList: true, subtree: true });
  }
})();
