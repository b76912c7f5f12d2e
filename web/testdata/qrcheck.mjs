// qrcheck.mjs reads QR codes back with jsQR (an independent decoder),
// run by web's Go tests:
//
//   node testdata/qrcheck.mjs round-trip
//       encodes many texts with the app's encoder (src/qr.js: matrix),
//       draws each, decodes it, and fails naming every text that does not
//       come back exactly;
//   node testdata/qrcheck.mjs image FILE WIDTH HEIGHT
//       decodes an image (raw RGBA bytes, as the Go side got them from the
//       page's canvas) and prints the text on stdout.
import { readFileSync } from "node:fs";
import jsQR from "jsqr";
import { keccak256, getAddress, toUtf8Bytes } from "ethers";
import { matrix } from "../src/qr.js";

const [mode, ...args] = process.argv.slice(2);

function draw(m, scale) {
  const n = (m.length + 8) * scale;
  const px = new Uint8ClampedArray(n * n * 4).fill(255);
  m.forEach((row, r) => row.forEach((dark, c) => {
    if (!dark) return;
    for (let y = 0; y < scale; y++)
      for (let x = 0; x < scale; x++) {
        const i = (((r + 4) * scale + y) * n + (c + 4) * scale + x) * 4;
        px[i] = px[i + 1] = px[i + 2] = 0;
      }
  }));
  return { px, n };
}

if (mode === "round-trip") {
  const texts = [];
  for (let i = 0; i < 64; i++) texts.push(getAddress("0x" + keccak256(toUtf8Bytes("address " + i)).slice(26)));
  for (let len = 1; len <= 300; len += 7) texts.push(Array.from({ length: len }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789-:/?"[(i * 7 + len) % 40]).join(""));
  texts.push("zebra-comic-047e386", "ethereum:0x8C3229EC621644789d7F61FAa82c6d0E5F97d43D");
  const failed = [];
  const versions = new Set();
  for (const text of texts) {
    const m = matrix(text);
    versions.add((m.length - 17) / 4);
    const { px, n } = draw(m, 3);
    const got = jsQR(px, n, n);
    if (!got || got.data !== text) failed.push(`${JSON.stringify(text)} → ${got ? JSON.stringify(got.data) : "no code found"}`);
  }
  console.log(JSON.stringify({ texts: texts.length, versions: [...versions].sort((a, b) => a - b), failed }));
  process.exit(failed.length ? 1 : 0);
} else if (mode === "image") {
  const [file, w, h] = args;
  const got = jsQR(new Uint8ClampedArray(readFileSync(file)), Number(w), Number(h));
  if (!got) {
    console.error("no QR code found");
    process.exit(1);
  }
  console.log(got.data);
} else {
  console.error("usage: node qrcheck.mjs round-trip | image FILE WIDTH HEIGHT");
  process.exit(2);
}
