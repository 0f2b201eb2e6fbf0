// A collapsible, colour-coded view of a job's JSON (data, return value, options), with a copy
// button and the raw text one click away. The server sends the JSON as the text of a <pre>
// (escaped by the template engine; the page works without this script). Job data is hostile:
// everything is built with createElement and textContent, never as markup.
// Big payloads stay responsive: levels past FOLD_DEPTH and arrays or objects with more than
// FOLD_ITEMS entries start folded, and folded children are built only when opened, at most
// PAGE_ITEMS at a time; strings longer than LONG_STRING show their start until asked.
(function () {
  "use strict";

  var FOLD_DEPTH = 2;
  var FOLD_ITEMS = 100;
  var PAGE_ITEMS = 200;
  var EXPAND_ALL_NODES = 5000;
  var LONG_STRING = 400;

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

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function count(value) {
    return Array.isArray(value) ? value.length : Object.keys(value).length;
  }

  function summaryText(value) {
    var n = count(value);
    if (Array.isArray(value)) return qbF(qbNT("%s item", "%s items", n), [n]);
    return qbF(qbNT("%s key", "%s keys", n), [n]);
  }

  function leaf(value) {
    if (value === null) return el("span", "qb-j-null", "null");
    switch (typeof value) {
      case "string":
        return longString(value);
      case "number":
        return el("span", "qb-j-num", String(value));
      case "boolean":
        return el("span", "qb-j-bool", String(value));
      default:
        return el("span", "qb-j-str", String(value));
    }
  }

  // A long string shows its start and a button for the rest (big base64 blobs stay small).
  function longString(value) {
    var text = JSON.stringify(value);
    if (text.length <= LONG_STRING) return el("span", "qb-j-str", text);
    var span = el("span", "qb-j-str", text.slice(0, LONG_STRING) + "\u2026");
    var wrap = el("span", "qb-j-long");
    var rest = text.length - LONG_STRING;
    var more = el("button", "qb-j-more", qbF(qbNT("+%s character", "+%s characters", rest), [rest]));
    more.type = "button";
    more.addEventListener("click", function () {
      span.textContent = text;
      more.remove();
    });
    wrap.appendChild(span);
    wrap.appendChild(more);
    return wrap;
  }

  function keyLabel(key, isIndex) {
    if (key === null) return null;
    return isIndex ? el("span", "qb-j-index", String(key)) : el("span", "qb-j-key", JSON.stringify(key));
  }

  function isBranch(value) {
    return value !== null && typeof value === "object" && count(value) > 0;
  }

  // One entry: a leaf line, or a <details> whose children are built when first opened.
  function entry(key, isIndex, value, depth) {
    var label = keyLabel(key, isIndex);
    if (!isBranch(value)) {
      var line = el("div", "qb-j-line");
      if (label) {
        line.appendChild(label);
        line.appendChild(el("span", "qb-j-colon", ": "));
      }
      if (value !== null && typeof value === "object") {
        line.appendChild(el("span", "qb-j-brace", Array.isArray(value) ? "[]" : "{}"));
      } else {
        line.appendChild(leaf(value));
      }
      return line;
    }
    var node = el("details", "qb-j-node");
    var summary = el("summary", "qb-j-summary");
    if (label) {
      summary.appendChild(label);
      summary.appendChild(el("span", "qb-j-colon", ": "));
    }
    summary.appendChild(el("span", "qb-j-brace", Array.isArray(value) ? "[" : "{"));
    summary.appendChild(el("span", "qb-j-count", summaryText(value)));
    node.appendChild(summary);
    node.qbValue = value;
    node.qbDepth = depth;
    if (depth < FOLD_DEPTH && count(value) <= FOLD_ITEMS) {
      node.open = true;
      build(node);
    }
    return node;
  }

  // The children of a folded node, PAGE_ITEMS at a time ("Show more" for the rest).
  function build(node, from) {
    var value = node.qbValue;
    if (!value || (node.qbBuilt && from === undefined)) return;
    node.qbBuilt = true;
    var box = node.querySelector(":scope > .qb-j-children");
    if (!box) {
      box = el("div", "qb-j-children");
      node.appendChild(box);
      node.appendChild(el("span", "qb-j-brace qb-j-close", Array.isArray(value) ? "]" : "}"));
    }
    var isArray = Array.isArray(value);
    var keys = isArray ? null : Object.keys(value);
    var total = isArray ? value.length : keys.length;
    var start = from || 0;
    var stop = Math.min(total, start + PAGE_ITEMS);
    var fragment = document.createDocumentFragment();
    for (var i = start; i < stop; i++) {
      var key = isArray ? i : keys[i];
      fragment.appendChild(entry(key, isArray, value[key], node.qbDepth + 1));
    }
    if (stop < total) {
      var more = el("button", "qb-j-more", qbF(qbT("Show more (%s)"), [total - stop]));
      more.type = "button";
      more.addEventListener("click", function () {
        more.remove();
        build(node, stop);
      });
      fragment.appendChild(more);
    }
    box.appendChild(fragment);
  }

  function setAll(tree, open) {
    var budget = EXPAND_ALL_NODES;
    var queue = Array.prototype.slice.call(tree.querySelectorAll("details.qb-j-node"));
    while (queue.length && budget > 0) {
      var node = queue.shift();
      if (open) {
        budget--;
        if (!node.qbBuilt) {
          build(node);
          queue = queue.concat(Array.prototype.slice.call(node.querySelectorAll("details.qb-j-node")));
        }
      }
      node.open = open;
    }
  }

  function copyText(text, button) {
    var done = function (ok) {
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      button.textContent = ok ? qbT("Copied") : qbT("Copy failed");
      window.setTimeout(function () {
        button.textContent = label;
      }, 2000);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(
        function () {
          done(true);
        },
        function () {
          done(copyBySelection(text));
        }
      );
    } else {
      done(copyBySelection(text)); // no Clipboard API outside secure contexts (plain http)
    }
  }

  function copyBySelection(text) {
    var buffer = el("textarea", "qb-copy-buffer");
    buffer.value = text;
    buffer.setAttribute("readonly", "");
    buffer.setAttribute("aria-hidden", "true");
    buffer.tabIndex = -1;
    document.body.appendChild(buffer);
    buffer.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    buffer.remove();
    return ok;
  }

  function button(text, className) {
    var b = el("button", "qb-button qb-button-small" + (className ? " " + className : ""), text);
    b.type = "button";
    return b;
  }

  function enhance(view) {
    if (view.qbEnhanced) return;
    view.qbEnhanced = true;
    var pre = view.querySelector("pre.qb-json");
    if (!pre) return;
    var raw = pre.textContent;
    var tools = el("div", "qb-json-tools");
    tools.setAttribute("role", "group");
    tools.setAttribute("aria-label", view.getAttribute("data-label") || qbT("JSON"));
    var copy = button(qbT("Copy"), "qb-json-copy");
    copy.addEventListener("click", function () {
      copyText(raw, copy);
    });
    var value;
    var parsed = false;
    if (view.hasAttribute("data-json-ok")) {
      try {
        value = JSON.parse(raw);
        parsed = true;
      } catch (e) {
        parsed = false;
      }
    }
    if (!parsed || !isBranch(value)) {
      tools.appendChild(copy);
      view.insertBefore(tools, pre);
      return;
    }
    var tree = el("div", "qb-json-tree");
    tree.setAttribute("tabindex", "0");
    tree.setAttribute("role", "group");
    tree.setAttribute("aria-label", view.getAttribute("data-label") || qbT("JSON"));
    tree.appendChild(entry(null, false, value, 0));
    var toggle = button(qbT("Raw"), "qb-json-toggle");
    toggle.setAttribute("aria-pressed", "false");
    var expand = button(qbT("Expand all"), "qb-json-expand");
    var collapse = button(qbT("Collapse all"), "qb-json-collapse");
    toggle.addEventListener("click", function () {
      var showRaw = pre.hidden;
      pre.hidden = !showRaw;
      tree.hidden = showRaw;
      expand.hidden = collapse.hidden = showRaw;
      toggle.textContent = showRaw ? qbT("Tree") : qbT("Raw");
      toggle.setAttribute("aria-pressed", showRaw ? "true" : "false");
    });
    expand.addEventListener("click", function () {
      setAll(tree, true);
    });
    collapse.addEventListener("click", function () {
      setAll(tree, false);
      var top = tree.querySelector("details.qb-j-node");
      if (top) top.open = true;
    });
    tools.appendChild(toggle);
    tools.appendChild(expand);
    tools.appendChild(collapse);
    tools.appendChild(copy);
    pre.hidden = true;
    view.insertBefore(tools, pre);
    view.insertBefore(tree, pre);
    view.classList.add("qb-json-enhanced");
  }

  // A folded node opened by hand builds its children then.
  document.addEventListener(
    "toggle",
    function (event) {
      var node = event.target;
      if (node.classList && node.classList.contains("qb-j-node") && node.open) build(node);
    },
    true
  );

  function enhanceAll(root) {
    (root || document).querySelectorAll("[data-qb-json]").forEach(enhance);
  }

  var pending = false;
  function init() {
    enhanceAll(document);
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        enhanceAll(document);
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  window.qbCopy = copyText;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
