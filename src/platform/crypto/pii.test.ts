import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  PiiVault,
  isMobilePhone,
  isPhoneNumber,
  loadPiiKey,
  maskIdNumber,
  maskName,
  maskPhone,
  normalisePhone,
} from './pii.ts';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'yiwang-pii-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => path.join(tmpRoot, `d${++dirCount}`, 'nested');

const posix = process.platform !== 'win32';
const vault = new PiiVault(crypto.randomBytes(32));

test('key file is created 0600 in a new folder and reused afterwards', () => {
  const dataDir = freshDir();
  const key = loadPiiKey({ dataDir });
  assert.equal(key.length, 32);
  const file = path.join(dataDir, 'pii.key');
  if (posix) assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(loadPiiKey({ dataDir }), key, 'the same key on the next start');
  assert.deepEqual(fs.readdirSync(dataDir), ['pii.key'], 'no temporary files left behind');
  assert.notDeepEqual(loadPiiKey({ dataDir: freshDir() }), key, 'each installation gets its own key');
});

test('a key file readable by group or others is refused with the fix in the message', { skip: !posix && 'POSIX permissions only' }, () => {
  const dataDir = freshDir();
  loadPiiKey({ dataDir });
  const file = path.join(dataDir, 'pii.key');
  for (const mode of [0o640, 0o604, 0o660]) {
    fs.chmodSync(file, mode);
    assert.throws(
      () => loadPiiKey({ dataDir }),
      (e: any) => e.code === 'PII_KEY_PERMISSIONS' && e.message.includes(`chmod 600 ${file}`),
    );
  }
  fs.chmodSync(file, 0o600);
  assert.equal(loadPiiKey({ dataDir }).length, 32);
});

test('a corrupt key file is refused rather than replaced', () => {
  const dataDir = freshDir();
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'pii.key'), 'not a key\n', { mode: 0o600 });
  assert.throws(() => loadPiiKey({ dataDir }), { code: 'PII_KEY_INVALID' });
});

test('an environment key wins over the key file and must be 32 bytes of base64', () => {
  const raw = crypto.randomBytes(32);
  const dataDir = freshDir();
  assert.deepEqual(loadPiiKey({ key: raw.toString('base64'), dataDir }), raw);
  assert.equal(fs.existsSync(path.join(dataDir, 'pii.key')), false, 'no key file when the key is configured');
  for (const bad of [crypto.randomBytes(16).toString('base64'), crypto.randomBytes(33).toString('base64'), 'secret', '!'.repeat(44), raw.toString('hex')]) {
    assert.throws(() => loadPiiKey({ key: bad, dataDir }), { code: 'PII_KEY_INVALID' }, bad);
  }
});

test('encrypt/decrypt round trip in the compact v1 format', () => {
  for (const plain of ['11010519491231002X', '张三丰', '', '深圳市南山区粤海街道 𠮷 1号']) {
    const stored = vault.encrypt(plain);
    assert.match(stored, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.equal(vault.decrypt(stored), plain);
  }
});

test('the same value encrypts differently each time (random IV)', () => {
  const a = vault.encrypt('13812345678');
  const b = vault.encrypt('13812345678');
  assert.notEqual(a, b);
  assert.notEqual(a.split('.')[1], b.split('.')[1]);
});

test('tampering, truncation, another key or another format fails with PII_DECRYPT_FAILED', () => {
  const stored = vault.encrypt('11010519491231002X');
  const [v, iv, body] = stored.split('.') as [string, string, string];
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const broken = [
    `${v}.${iv}.${flip(body, 3)}`,
    `${v}.${flip(iv, 2)}.${body}`,
    `${v}.${iv}.${body.slice(0, -2)}`,
    `${v}.${iv}.${body.slice(0, 10)}`,
    `v2.${iv}.${body}`,
    `${v}.${iv}`,
    `${stored}.extra`,
    'plain text',
  ];
  for (const s of broken) assert.throws(() => vault.decrypt(s), { code: 'PII_DECRYPT_FAILED' }, s);
  assert.throws(() => new PiiVault(crypto.randomBytes(32)).decrypt(stored), { code: 'PII_DECRYPT_FAILED' });
});

test('blind index is stable, normalised per kind and separated by kind and key', () => {
  const id = vault.blindIndex('idNumber', '11010519491231002X');
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(vault.blindIndex('idNumber', ' １１０１０５１９４９１２３１００２ｘ'), id);
  assert.notEqual(vault.blindIndex('idNumber', '110105194912310021'), id);

  const phone = vault.blindIndex('phone', '13812345678');
  for (const same of ['+86 138 1234 5678', '0086-13812345678', '138-1234-5678', '8613812345678']) {
    assert.equal(vault.blindIndex('phone', same), phone, same);
  }
  assert.notEqual(vault.blindIndex('name', '13812345678'), phone, 'kinds never collide');
  assert.notEqual(new PiiVault(crypto.randomBytes(32)).blindIndex('phone', '13812345678'), phone, 'keyed');
  // Not a plain hash: the index cannot be recomputed without the key.
  assert.notEqual(phone, crypto.createHash('sha256').update('phone:13812345678').digest('hex'));
  assert.throws(() => vault.blindIndex('a:b', 'c'), { code: 'PII_INDEX_KIND_INVALID' });
});

test('phone normalisation and validation', () => {
  assert.equal(normalisePhone('+86 138-1234-5678'), '13812345678');
  assert.equal(normalisePhone('００８６１３８１２３４５６７８'), '13812345678');
  assert.equal(normalisePhone('(0755) 1234 5678'), '075512345678');
  assert.equal(normalisePhone('+86 755 12345678'), '075512345678', 'landline regains its trunk 0');
  assert.equal(normalisePhone(''), '');

  for (const ok of ['13812345678', '+86 199 1234 5678', '1701234567 8']) assert.equal(isMobilePhone(ok), true, ok);
  for (const bad of ['12812345678', '1381234567', '138123456789', '0755-12345678', 'phone']) assert.equal(isMobilePhone(bad), false, bad);

  for (const ok of ['0755-12345678', '010-62345678', '021 5123 4567', '0769-2234567', '13812345678', '+86 755 12345678']) {
    assert.equal(isPhoneNumber(ok), true, ok);
  }
  for (const bad of ['0755-1234', '010-1234567', '12345', '0755-02345678', '']) assert.equal(isPhoneNumber(bad), false, bad);
});

test('masking keeps only what staff need to recognise a record', () => {
  assert.equal(maskIdNumber('11010519491231002X'), '110105********002X');
  assert.equal(maskIdNumber('110105491231002'), '110105*****1002');
  assert.equal(maskIdNumber('12345'), '*****');
  assert.equal(maskIdNumber(''), '');

  assert.equal(maskPhone('13812345678'), '138****5678');
  assert.equal(maskPhone('+86 138 1234 5678'), '138****5678');
  assert.equal(maskPhone('0755-12345678'), '075*****5678');
  assert.equal(maskPhone('12345'), '***45');
  assert.equal(maskPhone('12'), '**');
  assert.equal(maskPhone('unknown'), '*******');
  assert.equal(maskPhone(''), '');

  assert.equal(maskName('张三丰'), '张**');
  assert.equal(maskName('张三'), '张*');
  assert.equal(maskName('欧阳娜娜'), '欧***');
  assert.equal(maskName('𠮷野家'), '𠮷**', 'characters outside the BMP count as one');
  assert.equal(maskName('张'), '*');
  assert.equal(maskName('  '), '');
});
