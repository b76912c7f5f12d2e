// zstd.mjs: a Zstandard decompressor written from RFC 8878, with no
// dependency (Node.js 20 has no zstd of its own). It reads what a batch's
// compressed part may hold (docs/protocol.md, "Batches and the Anchor"):
// zstd frames one after another, their outputs concatenated, skippable
// frames ignored, no dictionary, a window of at most maxWindow bytes, and
// nothing after the last frame. Content checksums (XXH64) are verified.
//
//	import { decompress } from "./zstd.mjs";
//	const out = decompress(bytes, { maxWindow: 1 << 20, maxOutput: 1 << 20 });
//
// Section numbers below are RFC 8878's.

export class ZstdError extends Error {}

const fail = (msg) => {
  throw new ZstdError("zstd: " + msg);
};

const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;

// decompress returns the concatenated output of every frame in src.
export function decompress(src, { maxWindow = 1 << 20, maxOutput = 1 << 20 } = {}) {
  src = src instanceof Uint8Array ? src : Uint8Array.from(src);
  const out = new Output(maxOutput);
  let pos = 0;
  if (src.length === 0) fail("no frame");
  while (pos < src.length) {
    if (src.length - pos < 4) fail("trailing bytes after the last frame");
    const magic = u32le(src, pos);
    if ((magic >>> 4) === 0x184d2a5) {
      // 3.1.2 skippable frame: magic, 4-byte size, that many bytes.
      if (src.length - pos < 8) fail("truncated skippable frame");
      const size = u32le(src, pos + 4);
      pos += 8 + size;
      if (pos > src.length) fail("truncated skippable frame");
      continue;
    }
    if (magic !== FRAME_MAGIC) fail(`bad magic 0x${magic.toString(16)}`);
    pos = frame(src, pos + 4, out, maxWindow);
  }
  return out.bytes();
}

function u32le(b, i) {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

// Output is the growing output buffer; matches copy from it.
class Output {
  constructor(max) {
    this.buf = new Uint8Array(1024);
    this.len = 0;
    this.max = max;
  }
  grow(n) {
    if (this.len + n > this.max) fail(`output exceeds ${this.max} bytes`);
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  push(bytes) {
    this.grow(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }
  fill(byte, n) {
    this.grow(n);
    this.buf.fill(byte, this.len, this.len + n);
    this.len += n;
  }
  // copyMatch appends n bytes starting offset bytes back; they may overlap
  // what is being written.
  copyMatch(offset, n) {
    this.grow(n);
    const b = this.buf;
    let from = this.len - offset;
    for (let i = 0; i < n; i++) b[this.len++] = b[from++];
  }
  bytes() {
    return this.buf.slice(0, this.len);
  }
}

// frame decodes one frame from its header (after the magic) and returns
// the position after it.
function frame(src, pos, out, maxWindow) {
  // 3.1.1.1 frame header
  if (pos >= src.length) fail("truncated frame header");
  const fhd = src[pos++];
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const reserved = (fhd >> 3) & 1;
  const checksum = (fhd >> 2) & 1;
  const dictFlag = fhd & 3;
  if (reserved) fail("reserved frame header bit set");
  let window = 0;
  if (!single) {
    const wd = src[pos++];
    const exp = wd >> 3, mant = wd & 7;
    const base = 2 ** (10 + exp);
    window = base + (base / 8) * mant;
  }
  const dictSize = [0, 1, 2, 4][dictFlag];
  let dictID = 0;
  for (let i = 0; i < dictSize; i++) dictID += src[pos++] * 2 ** (8 * i);
  if (dictID !== 0) fail("frames that name a dictionary are not allowed");
  const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag];
  let fcs = -1;
  if (fcsSize) {
    fcs = 0;
    for (let i = 0; i < fcsSize; i++) fcs += src[pos++] * 2 ** (8 * i);
    if (fcsSize === 2) fcs += 256;
  }
  if (pos > src.length) fail("truncated frame header");
  if (single) window = fcs;
  if (window > maxWindow) fail(`window of ${window} bytes exceeds ${maxWindow}`);
  const blockMax = Math.min(BLOCK_MAX, Math.max(window, 1));
  const start = out.len;
  // State that lasts the frame (3.1.1.3.1.3, 3.1.1.3.2.1, 3.1.1.5).
  const st = { huf: null, ll: null, of: null, ml: null, reps: [1, 4, 8] };
  for (let last = 0; !last; ) {
    if (src.length - pos < 3) fail("truncated block header");
    const bh = src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16);
    pos += 3;
    last = bh & 1;
    const type = (bh >> 1) & 3;
    const size = bh >>> 3;
    if (type === 0) {
      if (size > blockMax) fail("raw block exceeds the block size");
      if (pos + size > src.length) fail("truncated raw block");
      out.push(src.subarray(pos, pos + size));
      pos += size;
    } else if (type === 1) {
      if (size > blockMax) fail("RLE block exceeds the block size");
      if (pos >= src.length) fail("truncated RLE block");
      out.fill(src[pos++], size);
    } else if (type === 2) {
      if (size > blockMax) fail("compressed block exceeds the block size");
      if (pos + size > src.length) fail("truncated compressed block");
      const before = out.len;
      compressedBlock(src.subarray(pos, pos + size), out, st, start);
      if (out.len - before > blockMax) fail("block decompresses beyond the block size");
      pos += size;
    } else {
      fail("reserved block type");
    }
  }
  if (fcs >= 0 && out.len - start !== fcs) fail(`frame content size ${fcs}, decoded ${out.len - start}`);
  if (checksum) {
    if (src.length - pos < 4) fail("truncated checksum");
    const want = u32le(src, pos);
    pos += 4;
    const got = Number(xxh64(out.buf.subarray(start, out.len)) & 0xffffffffn);
    if (got !== want) fail("content checksum mismatch");
  }
  return pos;
}

// ---------------------------------------------------------------------
// Bit streams
// ---------------------------------------------------------------------

// ForwardBits reads little-endian bits from the start (FSE table
// descriptions, 4.1.1).
class ForwardBits {
  constructor(b, pos) {
    this.b = b;
    this.bit = pos * 8;
  }
  read(n) {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const k = this.bit + i;
      if (k >> 3 >= this.b.length) fail("truncated table description");
      v += ((this.b[k >> 3] >> (k & 7)) & 1) * 2 ** i;
    }
    this.bit += n;
    return v;
  }
  unread(n) {
    this.bit -= n;
  }
  bytePos() {
    return (this.bit + 7) >> 3;
  }
}

// BackwardBits reads a bitstream from its end (4.1: Huffman and FSE
// streams): the last byte's highest set bit is a marker, bits are read
// from there towards the start, and bits before the start read as zero
// (off then goes negative: an overflow the decoders check).
class BackwardBits {
  constructor(b) {
    if (b.length === 0) fail("empty bitstream");
    const last = b[b.length - 1];
    if (last === 0) fail("bitstream without its end marker");
    this.b = b;
    this.off = b.length * 8 - (8 - (31 - Math.clz32(last)));
  }
  read(n) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) {
      const k = this.off - n + i;
      const bit = k < 0 ? 0 : (this.b[k >> 3] >> (k & 7)) & 1;
      v = v * 2 + bit;
    }
    this.off -= n;
    return v;
  }
}

// ---------------------------------------------------------------------
// FSE (4.1)
// ---------------------------------------------------------------------

const highBit = (x) => 31 - Math.clz32(x);

// fseTable builds a decoding table from normalized counts (-1: "less than
// one", one cell at the end of the table).
function fseTable(norm, accuracy) {
  const size = 1 << accuracy;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  const base = new Int32Array(size);
  const next = new Int32Array(norm.length);
  let high = size - 1;
  for (let s = 0; s < norm.length; s++) {
    if (norm[s] === -1) {
      symbol[high--] = s;
      next[s] = 1;
    } else {
      next[s] = norm[s];
    }
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let p = 0;
  for (let s = 0; s < norm.length; s++) {
    for (let i = 0; i < norm[s]; i++) {
      symbol[p] = s;
      do p = (p + step) & mask;
      while (p > high);
    }
  }
  if (p !== 0) fail("FSE table does not spread");
  for (let i = 0; i < size; i++) {
    const s = symbol[i];
    const x = next[s]++;
    nbBits[i] = accuracy - highBit(x);
    base[i] = (x << nbBits[i]) - size;
  }
  return { accuracy, symbol, nbBits, base };
}

// readFseTable reads a table description (4.1.1) starting at b[pos]; it
// returns the table and the position after the description.
function readFseTable(b, pos, maxSymbol, maxAccuracy) {
  const bits = new ForwardBits(b, pos);
  const accuracy = bits.read(4) + 5;
  if (accuracy > maxAccuracy) fail(`FSE accuracy ${accuracy} exceeds ${maxAccuracy}`);
  let remaining = (1 << accuracy) + 1;
  const norm = [];
  while (remaining > 1) {
    if (norm.length > maxSymbol) fail("FSE table has too many symbols");
    const nb = highBit(remaining) + 1;
    const lowMask = (1 << (nb - 1)) - 1;
    const threshold = (1 << nb) - 1 - remaining;
    let v = bits.read(nb);
    if ((v & lowMask) < threshold) {
      bits.unread(1);
      v &= lowMask;
    } else if (v > lowMask) {
      v -= threshold;
    }
    const count = v - 1;
    remaining -= count < 0 ? -count : count;
    norm.push(count);
    if (count === 0) {
      for (;;) {
        const rep = bits.read(2);
        for (let i = 0; i < rep; i++) norm.push(0);
        if (rep !== 3) break;
      }
    }
  }
  if (remaining !== 1) fail("FSE table probabilities do not add up");
  if (norm.length > maxSymbol + 1) fail("FSE table has too many symbols");
  return { table: fseTable(norm, accuracy), pos: bits.bytePos() };
}

// ---------------------------------------------------------------------
// Huffman (4.2)
// ---------------------------------------------------------------------

// readHuffman reads a Huffman tree description (4.2.1) at b[pos] and
// returns the decoding table and the position after it.
function readHuffman(b, pos) {
  if (pos >= b.length) fail("truncated Huffman description");
  const header = b[pos++];
  let weights;
  if (header >= 128) {
    const n = header - 127;
    const bytes = (n + 1) >> 1;
    if (pos + bytes > b.length) fail("truncated Huffman weights");
    weights = [];
    for (let i = 0; i < n; i++) {
      const byte = b[pos + (i >> 1)];
      weights.push(i & 1 ? byte & 15 : byte >> 4);
    }
    pos += bytes;
  } else {
    const end = pos + header;
    if (end > b.length) fail("truncated Huffman weights");
    const { table, pos: p } = readFseTable(b.subarray(0, end), pos, 255, 6);
    weights = fseWeights(table, b.subarray(p, end));
    pos = end;
  }
  if (weights.length > 255) fail("too many Huffman weights");
  let sum = 0;
  for (const w of weights) {
    if (w > 11) fail("Huffman weight above 11");
    if (w) sum += 1 << (w - 1);
  }
  if (sum === 0) fail("Huffman weights are all zero");
  const maxBits = highBit(sum) + 1;
  const left = (1 << maxBits) - sum;
  if (left & (left - 1)) fail("Huffman weights do not complete a tree");
  weights.push(highBit(left) + 1);
  if (maxBits > 11) fail("Huffman code longer than 11 bits");
  // Canonical codes: by weight, then by symbol, each weight-w symbol taking
  // 2^(w-1) consecutive cells (4.2.1.3).
  const size = 1 << maxBits;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  const rankStart = new Array(maxBits + 2).fill(0);
  const rankCount = new Array(maxBits + 2).fill(0);
  for (const w of weights) if (w) rankCount[w]++;
  let at = 0;
  for (let w = 1; w <= maxBits; w++) {
    rankStart[w] = at;
    at += rankCount[w] << (w - 1);
  }
  for (let s = 0; s < weights.length; s++) {
    const w = weights[s];
    if (!w) continue;
    const len = 1 << (w - 1);
    for (let i = 0; i < len; i++) {
      symbol[rankStart[w] + i] = s;
      nbBits[rankStart[w] + i] = maxBits + 1 - w;
    }
    rankStart[w] += len;
  }
  return { huf: { maxBits, symbol, nbBits }, pos };
}

// fseWeights decodes FSE-compressed Huffman weights: two interleaved
// states until the stream overflows (4.2.1.2).
function fseWeights(t, stream) {
  const bits = new BackwardBits(stream);
  let s1 = bits.read(t.accuracy);
  let s2 = bits.read(t.accuracy);
  const out = [];
  for (;;) {
    if (out.length > 255) fail("too many Huffman weights");
    out.push(t.symbol[s1]);
    s1 = t.base[s1] + bits.read(t.nbBits[s1]);
    if (bits.off < 0) {
      out.push(t.symbol[s2]);
      break;
    }
    out.push(t.symbol[s2]);
    s2 = t.base[s2] + bits.read(t.nbBits[s2]);
    if (bits.off < 0) {
      out.push(t.symbol[s1]);
      break;
    }
  }
  return out;
}

// hufStream decodes one Huffman-coded stream of n symbols into dst at at.
function hufStream(h, stream, dst, at, n) {
  const bits = new BackwardBits(stream);
  const mask = (1 << h.maxBits) - 1;
  let state = bits.read(h.maxBits);
  for (let i = 0; i < n; i++) {
    dst[at + i] = h.symbol[state];
    const nb = h.nbBits[state];
    state = ((state << nb) + bits.read(nb)) & mask;
  }
  if (bits.off !== -h.maxBits) fail("Huffman stream not consumed exactly");
}

// ---------------------------------------------------------------------
// Compressed blocks (3.1.1.3)
// ---------------------------------------------------------------------

function compressedBlock(b, out, st, frameStart) {
  let pos = 0;
  // 3.1.1.3.1 literals section
  const h0 = b[pos];
  const ltype = h0 & 3;
  const sf = (h0 >> 2) & 3;
  let regen, comp = 0, streams = 1;
  if (ltype < 2) {
    if (sf === 0 || sf === 2) {
      regen = h0 >> 3;
      pos += 1;
    } else if (sf === 1) {
      regen = (h0 >> 4) + (b[pos + 1] << 4);
      pos += 2;
    } else {
      regen = (h0 >> 4) + (b[pos + 1] << 4) + (b[pos + 2] << 12);
      pos += 3;
    }
  } else {
    let hsize, bitsEach;
    if (sf < 2) {
      hsize = 3;
      bitsEach = 10;
      streams = sf === 0 ? 1 : 4;
    } else if (sf === 2) {
      hsize = 4;
      bitsEach = 14;
      streams = 4;
    } else {
      hsize = 5;
      bitsEach = 18;
      streams = 4;
    }
    if (pos + hsize > b.length) fail("truncated literals header");
    let h = 0;
    for (let i = 0; i < hsize; i++) h += b[pos + i] * 2 ** (8 * i);
    h = Math.floor(h / 16);
    regen = h % 2 ** bitsEach;
    comp = Math.floor(h / 2 ** bitsEach) % 2 ** bitsEach;
    pos += hsize;
  }
  if (regen > BLOCK_MAX) fail("literals exceed the block size");
  let literals;
  if (ltype === 0) {
    if (pos + regen > b.length) fail("truncated raw literals");
    literals = b.subarray(pos, pos + regen);
    pos += regen;
  } else if (ltype === 1) {
    if (pos >= b.length) fail("truncated RLE literals");
    literals = new Uint8Array(regen).fill(b[pos]);
    pos += 1;
  } else {
    const end = pos + comp;
    if (end > b.length) fail("truncated compressed literals");
    if (ltype === 2) {
      const r = readHuffman(b.subarray(0, end), pos);
      st.huf = r.huf;
      pos = r.pos;
    } else if (!st.huf) {
      fail("treeless literals without an earlier Huffman table");
    }
    literals = new Uint8Array(regen);
    if (streams === 1) {
      hufStream(st.huf, b.subarray(pos, end), literals, 0, regen);
    } else {
      if (pos + 6 > end) fail("truncated jump table");
      const s1 = b[pos] | (b[pos + 1] << 8), s2 = b[pos + 2] | (b[pos + 3] << 8), s3 = b[pos + 4] | (b[pos + 5] << 8);
      let p = pos + 6;
      const sizes = [s1, s2, s3, end - p - s1 - s2 - s3];
      if (sizes[3] < 0) fail("jump table beyond the literals");
      const each = Math.floor((regen + 3) / 4);
      for (let i = 0; i < 4; i++) {
        const n = i < 3 ? each : regen - 3 * each;
        if (n < 0) fail("bad 4-stream literal sizes");
        hufStream(st.huf, b.subarray(p, p + sizes[i]), literals, i * each, n);
        p += sizes[i];
      }
    }
    pos = end;
  }
  // 3.1.1.3.2 sequences section
  if (pos >= b.length) fail("truncated sequences header");
  let nseq = b[pos++];
  if (nseq >= 128) {
    if (nseq < 255) {
      nseq = ((nseq - 128) << 8) + b[pos++];
    } else {
      nseq = b[pos] + (b[pos + 1] << 8) + 0x7f00;
      pos += 2;
    }
  }
  if (nseq === 0) {
    if (pos !== b.length) fail("bytes after an empty sequences section");
    out.push(literals);
    return;
  }
  if (pos >= b.length) fail("truncated symbol compression modes");
  const modes = b[pos++];
  if (modes & 3) fail("reserved bits of the compression modes set");
  const table = (mode, name, dflt, maxSym, maxAcc) => {
    if (mode === 0) return dflt;
    if (mode === 1) {
      if (pos >= b.length) fail("truncated RLE symbol");
      const s = b[pos++];
      if (s > maxSym) fail(`${name} RLE symbol ${s} out of range`);
      return { accuracy: 0, symbol: Uint8Array.of(s), nbBits: Uint8Array.of(0), base: Int32Array.of(0) };
    }
    if (mode === 2) {
      const r = readFseTable(b, pos, maxSym, maxAcc);
      pos = r.pos;
      return r.table;
    }
    if (!st[name]) fail(`repeat ${name} table without an earlier one`);
    return st[name];
  };
  st.ll = table(modes >> 6, "ll", LL_DEFAULT, 35, 9);
  st.of = table((modes >> 4) & 3, "of", OF_DEFAULT, 31, 8);
  st.ml = table((modes >> 2) & 3, "ml", ML_DEFAULT, 52, 9);
  const bits = new BackwardBits(b.subarray(pos));
  let ll = bits.read(st.ll.accuracy);
  let of = bits.read(st.of.accuracy);
  let ml = bits.read(st.ml.accuracy);
  let lit = 0;
  const reps = st.reps;
  for (let i = 0; i < nseq; i++) {
    const ofCode = st.of.symbol[of], llCode = st.ll.symbol[ll], mlCode = st.ml.symbol[ml];
    if (ofCode > 31) fail("offset code above 31");
    const ofValue = 2 ** ofCode + bits.read(ofCode);
    const mlen = ML_BASE[mlCode] + bits.read(ML_BITS[mlCode]);
    const llen = LL_BASE[llCode] + bits.read(LL_BITS[llCode]);
    if (i < nseq - 1) {
      ll = st.ll.base[ll] + bits.read(st.ll.nbBits[ll]);
      ml = st.ml.base[ml] + bits.read(st.ml.nbBits[ml]);
      of = st.of.base[of] + bits.read(st.of.nbBits[of]);
    }
    if (bits.off < 0) fail("sequence bitstream overflows");
    // 3.1.1.5 repeat offsets
    let offset;
    if (ofValue > 3) {
      offset = ofValue - 3;
      reps[2] = reps[1];
      reps[1] = reps[0];
      reps[0] = offset;
    } else {
      const idx = ofValue - 1 + (llen === 0 ? 1 : 0);
      if (idx === 0) {
        offset = reps[0];
      } else {
        offset = idx === 3 ? reps[0] - 1 : reps[idx];
        if (offset === 0) fail("repeat offset of zero");
        if (idx !== 1) reps[2] = reps[1];
        reps[1] = reps[0];
        reps[0] = offset;
      }
    }
    if (lit + llen > literals.length) fail("sequence takes more literals than there are");
    out.push(literals.subarray(lit, lit + llen));
    lit += llen;
    if (offset > out.len - frameStart) fail("match offset before the frame's start");
    out.copyMatch(offset, mlen);
  }
  if (bits.off !== 0) fail("sequence bitstream not consumed exactly");
  out.push(literals.subarray(lit));
}

// Literal length, match length codes (3.1.1.3.2.1.1).
const LL_BASE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
const LL_BITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const ML_BASE = [];
const ML_BITS = [];
for (let i = 0; i < 32; i++) {
  ML_BASE.push(i + 3);
  ML_BITS.push(0);
}
ML_BASE.push(35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539);
ML_BITS.push(1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

// Predefined distributions (3.1.1.3.2.2).
const LL_DEFAULT = fseTable([4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1], 6);
const ML_DEFAULT = fseTable([1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1], 6);
const OF_DEFAULT = fseTable([1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1], 5);

// ---------------------------------------------------------------------
// XXH64 (the content checksum, 3.1.1)
// ---------------------------------------------------------------------

const M64 = (1n << 64n) - 1n;
const P1 = 11400714785074694791n, P2 = 14029467366897019727n, P3 = 1609587929392839161n, P4 = 9650029242287828579n, P5 = 2870177450012600261n;
const rotl = (x, r) => ((x << BigInt(r)) | (x >> BigInt(64 - r))) & M64;
const round = (acc, v) => (rotl((acc + v * P2) & M64, 31) * P1) & M64;
const merge = (acc, v) => ((((acc ^ round(0n, v)) * P1) & M64) + P4) & M64;

function le64(b, i) {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]);
  return v;
}

export function xxh64(b, seed = 0n) {
  let i = 0;
  let h;
  if (b.length >= 32) {
    let v1 = (seed + P1 + P2) & M64, v2 = (seed + P2) & M64, v3 = seed, v4 = (seed - P1) & M64;
    for (; i + 32 <= b.length; i += 32) {
      v1 = round(v1, le64(b, i));
      v2 = round(v2, le64(b, i + 8));
      v3 = round(v3, le64(b, i + 16));
      v4 = round(v4, le64(b, i + 24));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) & M64;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = (seed + P5) & M64;
  }
  h = (h + BigInt(b.length)) & M64;
  for (; i + 8 <= b.length; i += 8) {
    h ^= round(0n, le64(b, i));
    h = (((rotl(h, 27) * P1) & M64) + P4) & M64;
  }
  if (i + 4 <= b.length) {
    const v = BigInt((b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0);
    h ^= (v * P1) & M64;
    h = (((rotl(h, 23) * P2) & M64) + P3) & M64;
    i += 4;
  }
  for (; i < b.length; i++) {
    h ^= (BigInt(b[i]) * P5) & M64;
    h = (rotl(h, 11) * P1) & M64;
  }
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}
