// The flow tree (partials/job_flow.html): a tall tree scrolls in its box, which opens on the
// page's own job rather than on the root. The tree is loaded after the page (and again on
// live updates), so each new tree box is scrolled once when it appears.
(function () {
  "use strict";

  function reveal() {
    var box = document.querySelector("#job-flow .qb-flow-box");
    if (!box || box.hasAttribute("data-qb-shown")) return;
    box.setAttribute("data-qb-shown", "");
    var current = box.querySelector(".qb-flow-current");
    if (!current || box.scrollHeight <= box.clientHeight) return;
    var top = current.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop = Math.max(0, box.scrollTop + top - box.clientHeight / 3);
  }

  new MutationObserver(reveal).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  reveal();
})();
