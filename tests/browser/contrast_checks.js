// WCAG AA contrast of every visible text on the page, as drawn (computed colours over the
// nearest painted background); run by tests/browser/test_responsive.py. Returns the failures.
() => {
  const parse = (value) => {
    let m = value.match(/^rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)$/);
    if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
    m = value.match(/^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/);
    if (m) return [m[1] * 255, m[2] * 255, m[3] * 255, m[4] === undefined ? 1 : +m[4]];
    return null;
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let p = el; p; p = p.parentElement) {
      const c = parse(getComputedStyle(p).backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let colour = [255, 255, 255, 1];
    const canvas = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (canvas && canvas[3] >= 1) colour = canvas;
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const failures = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || seen.has(el)) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || el.getClientRects().length === 0) continue;
    if (el.closest(".visually-hidden, .skip-link:not(:focus), option, [hidden]")) continue;
    const fg = parse(s.color);
    if (!fg) { failures.push(`${el.tagName}: unparsed colour ${s.color}`); continue; }
    const bg = background(el);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(s.fontWeight, 10) >= 700);
    const needed = large ? 3 : 4.5;
    const got = ratio(over(fg, bg), bg);
    if (got < needed) {
      failures.push(`"${node.textContent.trim().slice(0, 30)}" in ${el.tagName.toLowerCase()}.${el.className}: ${got.toFixed(2)} < ${needed} (${s.color} on rgb(${bg.slice(0, 3).map(Math.round).join(", ")}))`);
    }
  }
  return failures;
}
