import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byteCapacity, codewords, encodeData, encodeQr, formatBits, MAX_VERSION, qrSvg, reedSolomon, versionBits } from './qr.ts';

// Known vectors from the QR standard's tables and its worked example; no decoding here. The full
// matrix below was read back by an independent decoder (zbar) when it was recorded.

const bitString = (value: number, length: number) => value.toString(2).padStart(length, '0');

describe('QR building blocks', () => {
  test('Reed–Solomon: the standard’s 1-M example (HELLO WORLD)', () => {
    const data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17];
    assert.deepEqual(reedSolomon(data, 10), [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
  });

  test('format information for level M, masks 0–7', () => {
    const expected = ['101010000010010', '101000100100101', '101111001111100', '101101101001011', '100010111111001', '100000011001110', '100111110010111', '100101010100000'];
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((m) => bitString(formatBits(m), 15)), expected);
  });

  test('version information, versions 7–10', () => {
    assert.deepEqual([7, 8, 9, 10].map((v) => bitString(versionBits(v), 18)), ['000111110010010100', '001000010110111100', '001001101010011001', '001010010011010011']);
  });

  test('byte mode: header, data, terminator, then the 0xEC 0x11 padding', () => {
    assert.deepEqual(encodeData(new TextEncoder().encode('hello'), 1), [0x40, 0x56, 0x86, 0x56, 0xc6, 0xc6, 0xf0, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec]);
    // Version 10 counts bytes in 16 bits.
    assert.deepEqual(encodeData(new TextEncoder().encode('a'), 10).slice(0, 4), [0x40, 0x00, 0x16, 0x10]);
  });

  test('blocks are interleaved: data codewords first, then error correction, block by block', () => {
    const data = Array.from({ length: 154 }, (_, i) => i); // version 8: 2 × 38 + 2 × 39 data codewords
    const out = codewords(data, 8);
    assert.equal(out.length, 242);
    assert.deepEqual(out.slice(0, 4), [0, 38, 76, 115]);
    assert.deepEqual(out.slice(152, 154), [114, 153], 'the longer blocks’ last data codewords come last');
    assert.deepEqual(out.slice(154, 158), [reedSolomon(data.slice(0, 38), 22)[0], reedSolomon(data.slice(38, 76), 22)[0], reedSolomon(data.slice(76, 115), 22)[0], reedSolomon(data.slice(115), 22)[0]]);
  });

  test('capacities at level M in byte mode', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(byteCapacity), [14, 26, 42, 62, 84, 106, 122, 152, 180, 213]);
  });
});

describe('QR symbols', () => {
  test('“hello”, version 1, mask 2: every module', () => {
    const q = encodeQr('hello', { mask: 2 });
    assert.equal(q.version, 1);
    const rows = q.modules.map((row) => row.map((d) => (d ? '#' : '.')).join(''));
    assert.deepEqual(rows, [
      '#######.......#######',
      '#.....#..#.##.#.....#',
      '#.###.#.#.###.#.###.#',
      '#.###.#.#.#.#.#.###.#',
      '#.###.#.#.#.#.#.###.#',
      '#.....#.#..#..#.....#',
      '#######.#.#.#.#######',
      '........#.#..........',
      '#.#####...##..#####..',
      '###.#..#..#####..##.#',
      '.##.#.#.....#.##.###.',
      '....##.#...####..##..',
      '.#.#..####..#..#....#',
      '........###.#..#.#..#',
      '#######..#.#.#..#.##.',
      '#.....#.#.#....#####.',
      '#.###.#.##.#.#..#..#.',
      '#.###.#.##.#####.#...',
      '#.###.#.#...#.##..#..',
      '#.....#..#.####.###..',
      '#######.#...#...#..#.',
    ]);
  });

  for (let version = 1; version <= MAX_VERSION; version++) {
    test(`version ${version}: finders, timing, alignment, dark module, format and version information`, () => {
      const text = 'y'.repeat(byteCapacity(version));
      const q = encodeQr(text);
      assert.equal(q.version, version, 'the smallest version that holds the text');
      const n = q.size;
      assert.equal(n, 17 + 4 * version);
      const at = (r: number, c: number) => q.modules[r]![c]!;
      const finder = ['#######', '#.....#', '#.###.#', '#.###.#', '#.###.#', '#.....#', '#######'];
      for (const [r0, c0] of [[0, 0], [0, n - 7], [n - 7, 0]] as const) {
        for (let r = 0; r < 7; r++) for (let c = 0; c < 7; c++) assert.equal(at(r0 + r, c0 + c), finder[r]![c] === '#', `finder at ${r0},${c0}`);
      }
      for (let i = 8; i < n - 8; i++) {
        assert.equal(at(6, i), i % 2 === 0, `timing row, column ${i}`);
        assert.equal(at(i, 6), i % 2 === 0, `timing column, row ${i}`);
      }
      assert.equal(at(n - 8, 8), true, 'dark module');
      if (version >= 2) assert.equal(at(n - 7, n - 7), true, 'bottom-right alignment centre');
      if (version >= 2) assert.equal(at(n - 7, n - 8), false, 'alignment ring');

      // Format information, read back from both copies.
      const format = formatBits(q.mask);
      const first = [0, 1, 2, 3, 4, 5].map((i) => at(i, 8)).concat([at(7, 8), at(8, 8), at(8, 7)], [9, 10, 11, 12, 13, 14].map((i) => at(8, 14 - i)));
      const second = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => at(8, n - 1 - i)).concat([8, 9, 10, 11, 12, 13, 14].map((i) => at(n - 15 + i, 8)));
      for (let i = 0; i < 15; i++) {
        assert.equal(first[i], ((format >>> i) & 1) === 1, `format bit ${i}`);
        assert.equal(second[i], ((format >>> i) & 1) === 1, `format bit ${i} (copy)`);
      }
      if (version >= 7) {
        const bits = versionBits(version);
        for (let i = 0; i < 18; i++) {
          const a = n - 11 + (i % 3);
          const b = Math.floor(i / 3);
          assert.equal(at(b, a), ((bits >>> i) & 1) === 1, `version bit ${i}`);
          assert.equal(at(a, b), ((bits >>> i) & 1) === 1, `version bit ${i} (copy)`);
        }
      }
    });
  }

  test('too long for version 10 is refused; the SVG has a quiet zone and an escaped title', () => {
    assert.throws(() => encodeQr('z'.repeat(214)), RangeError);
    const svg = qrSvg(encodeQr('https://example.gov.cn/services/X'), { title: '办事指南 <二维码>' });
    assert.match(svg, /^<svg [^>]*viewBox="0 0 37 37"/);
    assert.match(svg, /<title>办事指南 &lt;二维码&gt;<\/title>/);
    assert.match(svg, /<path d="M4 4h1v1h-1z/, 'the top-left finder starts after four quiet modules');
  });
});
