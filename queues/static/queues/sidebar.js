// The queue sidebar: its filter ("/" focuses it, Esc clears it), its collapse (kept per browser)
// and, on narrow screens, the header's menu button that opens the same list.
(function () {
  "use strict";

  var KEY = "queueboard.sidebar.collapsed";
  var sidebar = document.querySelector("[data-sidebar]");
  if (!sidebar) return;
  var filter = sidebar.querySelector("[data-sidebar-filter]");
  var collapse = sidebar.querySelector("[data-sidebar-collapse]");
  var menu = document.querySelector("[data-sidebar-menu]");
  var none = sidebar.querySelector("[data-sidebar-none]");
  var narrow = window.matchMedia("(max-width: 56.24rem)");

  function stored() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch (e) {
      return false;
    }
  }

  function store(collapsed) {
    try {
      if (collapsed) window.localStorage.setItem(KEY, "1");
      else window.localStorage.removeItem(KEY);
    } catch (e) {
      /* storage refused (private mode): the choice lasts for this page only */
    }
  }

  function setCollapsed(collapsed) {
    sidebar.classList.toggle("qb-collapsed", collapsed);
    document.documentElement.classList.toggle("qb-sidebar-collapsed", collapsed);
    if (!collapse) return;
    collapse.setAttribute("aria-expanded", collapsed ? "false" : "true");
    var label = collapse.getAttribute(collapsed ? "data-label-show" : "data-label-hide");
    collapse.title = label;
    var text = collapse.querySelector("[data-sidebar-collapse-label]");
    if (text) text.textContent = label;
  }

  function setOpen(open) {
    sidebar.classList.toggle("qb-open", open);
    if (menu) menu.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function applyFilter() {
    var wanted = filter.value.trim().toLowerCase();
    var matches = 0;
    sidebar.querySelectorAll("[data-sidebar-group]").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll("li[data-name]").forEach(function (item) {
        var match = !wanted || item.getAttribute("data-name").indexOf(wanted) !== -1;
        item.hidden = !match;
        if (match) shown += 1;
      });
      group.hidden = Boolean(wanted) && shown === 0;
      matches += shown;
    });
    if (none) none.hidden = !wanted || matches > 0;
  }

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  setCollapsed(stored());

  if (collapse) {
    collapse.addEventListener("click", function () {
      var collapsed = !sidebar.classList.contains("qb-collapsed");
      setCollapsed(collapsed);
      store(collapsed);
    });
  }

  if (menu) {
    menu.addEventListener("click", function () {
      var open = !sidebar.classList.contains("qb-open");
      setOpen(open);
      if (open && filter) filter.focus();
    });
  }

  if (filter) {
    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        filter.value = "";
        applyFilter();
        filter.blur();
        if (narrow.matches && menu) {
          setOpen(false);
          menu.focus();
        }
      } else if (event.key === "Enter") {
        // Enter opens the first queue still listed.
        var first = Array.prototype.find.call(sidebar.querySelectorAll("li[data-name] > a"), function (link) {
          return link.offsetParent !== null;
        });
        if (first && filter.value.trim()) {
          event.preventDefault();
          first.click();
        }
      }
    });
    if (filter.value) applyFilter(); // the browser restored the text on "back"
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || !filter) return;
    event.preventDefault();
    if (narrow.matches) setOpen(true);
    else if (sidebar.classList.contains("qb-collapsed")) {
      setCollapsed(false);
      store(false);
    }
    filter.focus();
    filter.select();
  });

  // Leaving the narrow layout closes the compact menu.
  narrow.addEventListener("change", function () {
    if (!narrow.matches) setOpen(false);
  });
  sidebar.setAttribute("data-ready", "1");
})();
