// qr.js: a QR code of a text, drawn on a canvas, made in the page
// (qrcode-generator, bundled): nothing is fetched.
import qrcode from "qrcode-generator";
import { h } from "./dom.js";

// matrix is the QR code of text (byte mode, error correction M, the
// smallest version that holds it): rows of booleans, true for dark.
export function matrix(text) {
  const code = qrcode(0, "M");
  code.addData(text, "Byte");
  code.make();
  const n = code.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => code.isDark(r, c)));
}

// canvas draws text's QR code, scale pixels a module, with the quiet zone
// of four modules the standard asks for.
export function canvas(text, scale = 5, id = "qr") {
  const m = matrix(text);
  const size = (m.length + 8) * scale;
  const el = h(`canvas#${id}.qr`, { width: size, height: size, role: "img", "aria-label": `QR code of ${text}`, "data-text": text });
  const g = el.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, size, size);
  g.fillStyle = "#000";
  m.forEach((row, r) => row.forEach((dark, c) => {
    if (dark) g.fillRect((c + 4) * scale, (r + 4) * scale, scale, scale);
  }));
  return el;
}
