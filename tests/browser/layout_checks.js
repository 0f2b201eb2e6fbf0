// Layout checks run in the page by tests/browser/test_responsive.py; returns what is wrong.
(maxHeader) => {
  const vw = window.innerWidth;
  const problems = [];
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const cls = typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return el.tagName.toLowerCase() + id + cls;
  };
  const style = (el) => getComputedStyle(el);
  const hiddenByClip = (s) => s.clip === "rect(0px, 0px, 0px, 0px)" || s.clipPath === "inset(50%)";
  // Elements that scroll or clip by design: code and data blocks, log lines, the tab row, the
  // workers table; ids and names cut with an ellipsis; visually hidden text.
  const scrollsByDesign = (el) => el.matches("pre, .qb-logs, .qb-tabs, #workers .qb-table-wrap");
  const clipsByDesign = (el, s) =>
    s.textOverflow === "ellipsis" || hiddenByClip(s) || s.webkitLineClamp !== "none" && s.webkitLineClamp !== "";

  // 1. The page never scrolls sideways.
  const scroll = document.documentElement.scrollWidth;
  if (scroll > vw) problems.push(`page scrolls sideways: scrollWidth ${scroll} > ${vw}`);

  // 2. No element reaches past the viewport, unless an element that scrolls or clips by design
  //    holds it; no other element hides an overflow of its own in a scroll bar.
  const exempt = new Set();
  for (const el of document.querySelectorAll("body *")) {
    const s = style(el);
    if (s.display === "none" || s.visibility === "hidden") continue;
    let held = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (exempt.has(p)) { held = true; break; }
    }
    if (held) { exempt.add(el); continue; }
    if (el.matches(".skip-link:not(:focus)")) { exempt.add(el); continue; }
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5 || r.width > vw)) {
      problems.push(`${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`);
      exempt.add(el); // its content is reported with it
      continue;
    }
    const scrolls = ["auto", "scroll", "hidden", "clip"].includes(s.overflowX);
    if (scrollsByDesign(el) || clipsByDesign(el, s)) { exempt.add(el); continue; }
    if (scrolls && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${describe(el)} hides a sideways overflow (${el.scrollWidth} > ${el.clientWidth})`);
      exempt.add(el);
    }
  }

  // 3. The header stays short.
  const header = document.querySelector(".qb-header");
  const height = header ? header.getBoundingClientRect().height : 0;
  if (height > maxHeader) problems.push(`header is ${Math.round(height)} px tall (at most ${maxHeader})`);

  // 4. Ids, names, numbers and labels keep to one line (cut with an ellipsis if need be): never
  //    one letter a line, never "send-/email" or "1/6" over two lines.
  const oneLine = [
    ".qb-brand", ".qb-breadcrumb > *", ".qb-user", ".qb-nav", ".qb-header .qb-button",
    ".qb-job-row > .qb-col-id", ".qb-job-row > .qb-job-name", ".qb-job-row > .qb-col-attempts",
    ".qb-job-row > .qb-col-age", ".qb-job-row > .qb-col-duration", ".qb-tab", ".qb-count",
    ".qb-badge", ".qb-state", ".qb-queue-row th[scope=row] a", ".qb-queue-row td a",
    ".qb-kind", ".qb-button", ".qb-audit td:first-child",
  ];
  for (const el of document.querySelectorAll(oneLine.join(","))) {
    if (style(el).display === "none" || el.getClientRects().length === 0) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set();
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && rect.height > 0) tops.add(Math.round(rect.top + rect.height / 2));
    }
    const lines = [...tops].sort((a, b) => a - b).filter((top, i, all) => i === 0 || top - all[i - 1] > 4);
    if (lines.length > 1) {
      problems.push(`${describe(el)} "${el.textContent.trim().slice(0, 40)}" takes ${lines.length} lines`);
    }
  }
  return problems;
}
