import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { encodeQr, reedSolomon } from './qr.ts';

// QR codes as the check-in tokens use them: Reed–Solomon against the standard's worked example, the fixed patterns,
// and, where zbarimg is installed, a real decoder reading codes of every size class back.

const hasZbar = (() => {
  try {
    execFileSync('zbarimg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('QR encoder', () => {
  test('error correction matches ISO/IEC 18004 Annex I (01234567, 1-M)', () => {
    const data = [0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11];
    assert.deepEqual(reedSolomon(data, 10), [0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55]);
  });

  test('a check-in token fits version 4 with finder and timing patterns in place', () => {
    const code = encodeQr('YW1.AZNqXow7fS6fEBI0VniQqw.3q2-7wABCDEFGHIJklmnop');
    const m = { ...code, isDark: (r: number, c: number) => code.modules[r]![c]! };
    assert.equal(m.version, 4);
    assert.equal(m.size, 33);
    // Finder corners: dark ring, light ring, dark centre.
    for (const [r, c] of [[0, 0], [0, 26], [26, 0]] as const) {
      assert.ok(m.isDark(r, c) && m.isDark(r + 6, c + 6) && m.isDark(r + 3, c + 3));
      assert.ok(!m.isDark(r + 1, c + 1) && !m.isDark(r + 5, c + 5));
    }
    for (let i = 8; i < 25; i++) assert.equal(m.isDark(6, i), i % 2 === 0, `timing at column ${i}`);
    assert.ok(m.isDark(m.size - 8, 8), 'the dark module');
    assert.throws(() => encodeQr('x'.repeat(214)), /too long/);
  });

  test('a decoder reads the codes back', { skip: hasZbar ? false : 'zbarimg not installed (apt-get install zbar-tools)' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qr-'));
    try {
      for (const text of ['A', 'YW1.AZNqXow7fS6fEBI0VniQqw.3q2-7wABCDEFGHIJklmnop', 'y'.repeat(150), 'z'.repeat(213)]) {
        const code = encodeQr(text);
        const m = { ...code, isDark: (r: number, c: number) => code.modules[r]![c]! };
        const scale = 4;
        const n = (m.size + 8) * scale;
        const rows: string[] = [];
        for (let y = 0; y < n; y++) {
          const row: string[] = [];
          for (let x = 0; x < n; x++) {
            const r = Math.floor(y / scale) - 4;
            const c = Math.floor(x / scale) - 4;
            row.push(r >= 0 && c >= 0 && r < m.size && c < m.size && m.isDark(r, c) ? '1' : '0');
          }
          rows.push(row.join(' '));
        }
        const file = path.join(dir, 'code.pbm');
        fs.writeFileSync(file, `P1\n${n} ${n}\n${rows.join('\n')}\n`);
        const decoded = execFileSync('zbarimg', ['--raw', '-q', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().replace(/\n$/, '');
        assert.equal(decoded, text, `version ${m.version}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
