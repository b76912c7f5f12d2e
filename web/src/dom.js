// dom.js: building the page's elements. Text from the network (names,
// symbols, reasons) only ever goes in as text, never as HTML.

// h("tag.class#id", {attr: value, onclick: fn}, ...children): an element.
// Children are nodes, strings (as text), arrays of children, or null; the
// attributes may be left out.
export function h(spec, attrs, ...children) {
  if (!isAttrs(attrs)) {
    children.unshift(attrs);
    attrs = null;
  }
  const [, tag, rest] = /^([a-z0-9]+)(.*)$/.exec(spec);
  const el = document.createElement(tag);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const isAttrs = (v) => v != null && typeof v === "object" && !(v instanceof Node) && !Array.isArray(v);

const SVG = "http://www.w3.org/2000/svg";

// svg("path", {d: "…"}): an SVG element.
export function svg(tag, attrs, ...children) {
  if (!isAttrs(attrs)) {
    children.unshift(attrs);
    attrs = null;
  }
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// fill replaces el's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// short shortens a hash or address for a table cell; the whole value is
// the cell's title.
export function short(hex) {
  return hex && hex.length > 14 ? hex.slice(0, 8) + "…" + hex.slice(-4) : hex || "";
}

// hash is a monospaced hash or address, shortened, whole in its title.
export function mono(hex, full) {
  return h("code.hash", { title: hex }, full ? hex : short(hex));
}

// debounce calls fn at most once per ms, after the last call.
export function debounce(fn, ms) {
  let t = null;
  const d = () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
  d.cancel = () => clearTimeout(t);
  return d;
}

// throttle calls fn at once, then at most once per ms (the last call of a
// burst is never lost).
export function throttle(fn, ms) {
  let last = 0, t = null;
  const d = () => {
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
    } else if (!t) {
      t = setTimeout(() => {
        t = null;
        last = Date.now();
        fn();
      }, wait);
    }
  };
  d.cancel = () => clearTimeout(t);
  return d;
}

// when formats a Unix millisecond time for people.
export function when(ms) {
  return new Date(ms).toLocaleTimeString();
}
