// dom.js - building elements without innerHTML: text is always text, never markup,
// so nothing the server or a user wrote can become script (and the CSP forbids
// inline styles and scripts anyway).

// h("a", {class: "x", href: "#/map", onclick: fn, dataset: {id: 1}}, "text", child...)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

// Append children (nodes, strings, arrays; null and false are skipped).
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// Replace el's content with children.
export function fill(el, ...children) {
  append(clear(el), children);
  return el;
}

// Load a classic script (the vendored libraries that define globals: uPlot,
// Leaflet) once; resolves when it has run.
const loaded = new Map();
export function loadScript(url) {
  const href = String(url);
  if (!loaded.has(href)) {
    loaded.set(
      href,
      new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = href;
        s.onload = () => resolve();
        s.onerror = () => reject(new Error(`cannot load ${href}`));
        document.head.append(s);
      }),
    );
  }
  return loaded.get(href);
}

export function loadStyle(url) {
  const href = String(url);
  if (!loaded.has(href)) {
    loaded.set(
      href,
      new Promise((resolve, reject) => {
        const l = document.createElement("link");
        l.rel = "stylesheet";
        l.href = href;
        l.onload = () => resolve();
        l.onerror = () => reject(new Error(`cannot load ${href}`));
        document.head.append(l);
      }),
    );
  }
  return loaded.get(href);
}
