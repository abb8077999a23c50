// A small QR code encoder (ISO/IEC 18004) for the printed guides: byte mode, error correction
// level M, versions 1–10 (up to 213 bytes — a guide URL is far shorter). Written for this page so
// the app needs no QR dependency; the SVG it draws is one path, crisp at any print size.

/** Error correction level M: codewords per block and the data codewords of each block group. */
const BLOCKS_M: readonly { ecPerBlock: number; groups: readonly (readonly [count: number, dataCodewords: number])[] }[] = [
  { ecPerBlock: 10, groups: [[1, 16]] }, // version 1
  { ecPerBlock: 16, groups: [[1, 28]] },
  { ecPerBlock: 26, groups: [[1, 44]] },
  { ecPerBlock: 18, groups: [[2, 32]] },
  { ecPerBlock: 24, groups: [[2, 43]] },
  { ecPerBlock: 16, groups: [[4, 27]] },
  { ecPerBlock: 18, groups: [[4, 31]] },
  { ecPerBlock: 22, groups: [[2, 38], [2, 39]] },
  { ecPerBlock: 22, groups: [[3, 36], [2, 37]] },
  { ecPerBlock: 26, groups: [[4, 43], [1, 44]] }, // version 10
];

/** Centres of the alignment patterns per version (row and column coordinates). */
const ALIGNMENT: readonly (readonly number[])[] = [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];

/** Level M's two format bits are 00. */
const EC_LEVEL_M = 0;

export const MAX_VERSION = 10;

const dataCodewords = (version: number) => BLOCKS_M[version - 1]!.groups.reduce((n, [count, data]) => n + count * data, 0);

/** Bytes a version holds in byte mode at level M (mode and length header deducted). */
export function byteCapacity(version: number): number {
  const countBits = version <= 9 ? 8 : 16;
  return Math.floor((dataCodewords(version) * 8 - 4 - countBits) / 8);
}

// ---------------------------------------------------------------- Reed–Solomon over GF(256), x^8 + x^4 + x^3 + x^2 + 1

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!);

/** Generator polynomial (x − α⁰)(x − α¹)…(x − α^(n−1)), highest degree first, leading 1 dropped. */
function generator(degree: number): number[] {
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array<number>(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j]! ^= poly[j]!;
      next[j + 1]! ^= mul(poly[j]!, EXP[i]!);
    }
    poly = next;
  }
  return poly.slice(1);
}

/** The error correction codewords of one block: the remainder of data·x^n divided by the generator. */
export function reedSolomon(data: readonly number[], ecCount: number): number[] {
  const gen = generator(ecCount);
  const rem = new Array<number>(ecCount).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem.shift()!;
    rem.push(0);
    for (let i = 0; i < ecCount; i++) rem[i]! ^= mul(gen[i]!, factor);
  }
  return rem;
}

// ---------------------------------------------------------------- codewords

class Bits {
  readonly bits: number[] = [];
  put(value: number, length: number) {
    for (let i = length - 1; i >= 0; i--) this.bits.push((value >>> i) & 1);
  }
}

/** Data codewords of `bytes` in byte mode for `version`: header, data, terminator, padding. */
export function encodeData(bytes: Uint8Array, version: number): number[] {
  const capacity = dataCodewords(version) * 8;
  const b = new Bits();
  b.put(0b0100, 4);
  b.put(bytes.length, version <= 9 ? 8 : 16);
  for (const byte of bytes) b.put(byte, 8);
  b.put(0, Math.min(4, capacity - b.bits.length));
  b.put(0, (8 - (b.bits.length % 8)) % 8);
  const out: number[] = [];
  for (let i = 0; i < b.bits.length; i += 8) out.push(b.bits.slice(i, i + 8).reduce((v, bit) => (v << 1) | bit, 0));
  for (let pad = 0xec; out.length < capacity / 8; pad ^= 0xec ^ 0x11) out.push(pad);
  return out;
}

/** Splits into blocks, adds each block's error correction, interleaves. */
export function codewords(data: number[], version: number): number[] {
  const { ecPerBlock, groups } = BLOCKS_M[version - 1]!;
  const blocks: { data: number[]; ec: number[] }[] = [];
  let at = 0;
  for (const [count, size] of groups) {
    for (let i = 0; i < count; i++) {
      const d = data.slice(at, at + size);
      at += size;
      blocks.push({ data: d, ec: reedSolomon(d, ecPerBlock) });
    }
  }
  const out: number[] = [];
  const longest = Math.max(...blocks.map((bl) => bl.data.length));
  for (let i = 0; i < longest; i++) for (const bl of blocks) if (i < bl.data.length) out.push(bl.data[i]!);
  for (let i = 0; i < ecPerBlock; i++) for (const bl of blocks) out.push(bl.ec[i]!);
  return out;
}

// ---------------------------------------------------------------- the matrix

/** BCH(15,5) format information for level M and a mask, masked with 101010000010010. */
export function formatBits(mask: number): number {
  const data = (EC_LEVEL_M << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

/** BCH(18,6) version information (versions 7 and up). */
export function versionBits(version: number): number {
  let rem = version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  return (version << 12) | rem;
}

const MASKS: readonly ((r: number, c: number) => boolean)[] = [
  (r, c) => (r + c) % 2 === 0,
  (r) => r % 2 === 0,
  (_r, c) => c % 3 === 0,
  (r, c) => (r + c) % 3 === 0,
  (r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0,
  (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0,
  (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0,
];

export interface QrCode {
  version: number;
  mask: number;
  size: number;
  /** modules[row][column]: true is dark. */
  modules: boolean[][];
}

class Matrix {
  readonly modules: boolean[][];
  readonly reserved: boolean[][];
  constructor(readonly size: number) {
    this.modules = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.reserved = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }
  fn(r: number, c: number, dark: boolean) {
    this.modules[r]![c] = dark;
    this.reserved[r]![c] = true;
  }
}

function drawFunctionPatterns(m: Matrix, version: number) {
  const n = m.size;
  for (let i = 0; i < n; i++) {
    m.fn(6, i, i % 2 === 0);
    m.fn(i, 6, i % 2 === 0);
  }
  // Finder patterns with their separators: concentric squares by Chebyshev distance from the centre.
  for (const [cr, cc] of [[3, 3], [3, n - 4], [n - 4, 3]] as const) {
    for (let dr = -4; dr <= 4; dr++) {
      for (let dc = -4; dc <= 4; dc++) {
        const r = cr + dr;
        const c = cc + dc;
        if (r < 0 || c < 0 || r >= n || c >= n) continue;
        const d = Math.max(Math.abs(dr), Math.abs(dc));
        m.fn(r, c, d !== 2 && d !== 4);
      }
    }
  }
  const centres = ALIGNMENT[version - 1]!;
  for (const r of centres) {
    for (const c of centres) {
      // Not where a finder pattern sits.
      if ((r === 6 && c === 6) || (r === 6 && c === n - 7) || (r === n - 7 && c === 6)) continue;
      for (let dr = -2; dr <= 2; dr++) for (let dc = -2; dc <= 2; dc++) m.fn(r + dr, c + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
    }
  }
  drawFormat(m, 0); // reserve the format areas; the real bits are drawn once the mask is chosen
  if (version >= 7) {
    const bits = versionBits(version);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = n - 11 + (i % 3);
      const b = Math.floor(i / 3);
      m.fn(b, a, dark);
      m.fn(a, b, dark);
    }
  }
}

function drawFormat(m: Matrix, mask: number) {
  const n = m.size;
  const bits = formatBits(mask);
  const bit = (i: number) => ((bits >>> i) & 1) === 1;
  // Around the top-left finder.
  for (let i = 0; i <= 5; i++) m.fn(i, 8, bit(i));
  m.fn(7, 8, bit(6));
  m.fn(8, 8, bit(7));
  m.fn(8, 7, bit(8));
  for (let i = 9; i < 15; i++) m.fn(8, 14 - i, bit(i));
  // The copy split between the top-right and bottom-left finders.
  for (let i = 0; i < 8; i++) m.fn(8, n - 1 - i, bit(i));
  for (let i = 8; i < 15; i++) m.fn(n - 15 + i, 8, bit(i));
  m.fn(n - 8, 8, true); // the dark module
}

function placeData(m: Matrix, data: number[]) {
  const n = m.size;
  let i = 0;
  for (let right = n - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // skip the vertical timing pattern
    const upward = ((right + 1) & 2) === 0;
    for (let v = 0; v < n; v++) {
      const r = upward ? n - 1 - v : v;
      for (let j = 0; j < 2; j++) {
        const c = right - j;
        if (m.reserved[r]![c]) continue;
        if (i < data.length * 8) m.modules[r]![c] = ((data[i >>> 3]! >>> (7 - (i & 7))) & 1) === 1;
        i += 1; // remainder bits stay light
      }
    }
  }
}

function applyMask(m: Matrix, mask: number) {
  const f = MASKS[mask]!;
  for (let r = 0; r < m.size; r++) for (let c = 0; c < m.size; c++) if (!m.reserved[r]![c] && f(r, c)) m.modules[r]![c] = !m.modules[r]![c];
}

/** The four penalty rules of the standard; the mask with the lowest score is used. */
export function penalty(modules: boolean[][]): number {
  const n = modules.length;
  let score = 0;
  const lines: boolean[][] = [];
  for (let i = 0; i < n; i++) {
    lines.push(modules[i]!);
    lines.push(modules.map((row) => row[i]!));
  }
  const finderLike = [true, false, true, true, true, false, true];
  for (const line of lines) {
    let run = 1;
    for (let i = 1; i <= n; i++) {
      if (i < n && line[i] === line[i - 1]) run += 1;
      else {
        if (run >= 5) score += 3 + (run - 5);
        run = 1;
      }
    }
    // 1:1:3:1:1 with four light modules on one side (outside the symbol counts as light).
    for (let i = 0; i + 7 <= n; i++) {
      if (!finderLike.every((d, k) => line[i + k] === d)) continue;
      const lightBefore = [1, 2, 3, 4].every((k) => i - k < 0 || !line[i - k]);
      const lightAfter = [0, 1, 2, 3].every((k) => i + 7 + k >= n || !line[i + 7 + k]);
      if (lightBefore || lightAfter) score += 40;
    }
  }
  for (let r = 0; r + 1 < n; r++) {
    for (let c = 0; c + 1 < n; c++) {
      const d = modules[r]![c];
      if (modules[r]![c + 1] === d && modules[r + 1]![c] === d && modules[r + 1]![c + 1] === d) score += 3;
    }
  }
  const dark = modules.reduce((k, row) => k + row.filter(Boolean).length, 0);
  score += 10 * Math.floor(Math.abs((dark * 100) / (n * n) - 50) / 5);
  return score;
}

/** Encodes text (UTF-8) in the smallest version that holds it; `mask` forces a mask (tests). */
export function encodeQr(text: string, opts: { mask?: number; minVersion?: number } = {}): QrCode {
  const bytes = new TextEncoder().encode(text);
  let version = Math.max(1, opts.minVersion ?? 1);
  while (version <= MAX_VERSION && byteCapacity(version) < bytes.length) version += 1;
  if (version > MAX_VERSION) throw new RangeError(`text too long for a version ${MAX_VERSION} QR code: ${bytes.length} bytes (at most ${byteCapacity(MAX_VERSION)})`);
  const size = 17 + 4 * version;
  const base = new Matrix(size);
  drawFunctionPatterns(base, version);
  placeData(base, codewords(encodeData(bytes, version), version));

  const candidates = opts.mask === undefined ? [0, 1, 2, 3, 4, 5, 6, 7] : [opts.mask];
  let best: QrCode | undefined;
  let bestScore = Infinity;
  for (const mask of candidates) {
    const m = new Matrix(size);
    base.modules.forEach((row, r) => row.forEach((d, c) => (m.modules[r]![c] = d)));
    base.reserved.forEach((row, r) => row.forEach((d, c) => (m.reserved[r]![c] = d)));
    applyMask(m, mask);
    drawFormat(m, mask);
    const score = penalty(m.modules);
    if (score < bestScore) {
      bestScore = score;
      best = { version, mask, size, modules: m.modules };
    }
  }
  return best!;
}

/** One SVG path of dark squares with a four-module quiet zone; scales to any size. */
export function qrSvg(code: QrCode, opts: { title?: string } = {}): string {
  const quiet = 4;
  const total = code.size + quiet * 2;
  let d = '';
  code.modules.forEach((row, r) => row.forEach((dark, c) => (d += dark ? `M${c + quiet} ${r + quiet}h1v1h-1z` : '')));
  const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
  const title = opts.title ? `<title>${escape(opts.title)}</title>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${total} ${total}" shape-rendering="crispEdges" role="img"${opts.title ? ` aria-label="${escape(opts.title)}"` : ''}>${title}<rect width="100%" height="100%" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}
