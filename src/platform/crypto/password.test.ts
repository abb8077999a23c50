import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { checkPasswordStrength, hashPassword, needsRehash, verifyPassword } from './password.ts';

// Builds a stored hash directly with node:crypto, independent of the module's own formatting.
function legacyHash(plain: string, N: number, r: number, p: number): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(plain, salt, 32, { N, r, p, maxmem: 256 * N * r * p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

test('hash format, salt randomness and verification', async () => {
  const stored = await hashPassword('Hall-window-7');
  assert.match(stored, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(await hashPassword('Hall-window-7'), stored, 'a fresh salt every time');
  assert.equal(await verifyPassword('Hall-window-7', stored), true);
  assert.equal(await verifyPassword('hall-window-7', stored), false);
  assert.equal(await verifyPassword('', stored), false);
});

test('the hash is scrypt with the recorded parameters', async () => {
  const stored = await hashPassword('政务服务2025!');
  const [, N, r, p, salt, hash] = stored.split('$') as [string, string, string, string, string, string];
  const expected = crypto.scryptSync('政务服务2025!', Buffer.from(salt, 'base64'), 32, {
    N: Number(N),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  assert.equal(expected.toString('base64'), hash);
});

test('full-width input matches the half-width password', async () => {
  const stored = await hashPassword('pass1234word');
  assert.equal(await verifyPassword('ｐａｓｓ１２３４ｗｏｒｄ', stored), true);
});

test('parameters are read from the stored hash, and older ones ask for a rehash', async () => {
  const older = legacyHash('Hall-window-7', 16384, 8, 1);
  assert.equal(await verifyPassword('Hall-window-7', older), true);
  assert.equal(await verifyPassword('Hall-window-8', older), false);
  assert.equal(needsRehash(older), true);
  assert.equal(needsRehash(legacyHash('x', 32768, 8, 2)), true);
  assert.equal(needsRehash(await hashPassword('Hall-window-7')), false);
  assert.equal(needsRehash('not a hash'), true);
});

test('a malformed or absurd stored hash is a loud server error, not a silent mismatch', async () => {
  const good = await hashPassword('Hall-window-7');
  const broken = [
    '',
    'bcrypt$2b$10$abc',
    good.replace('$32768$', '$30000$'),
    good.replace('$32768$', '$1073741824$'),
    good.replace('$8$1$', '$8$0$'),
    good.split('$').slice(0, 5).join('$'),
  ];
  for (const s of broken) {
    await assert.rejects(verifyPassword('Hall-window-7', s), { code: 'PASSWORD_HASH_INVALID' }, s);
  }
});

test('password strength rules', () => {
  const code = (s: string) => {
    const r = checkPasswordStrength(s);
    return r.ok ? 'ok' : r.code;
  };
  for (const ok of ['Hall-window-7', 'correct horse', 'abcdefg1', '12345678!', '办事大厅2025', 'x'.repeat(127) + '1']) {
    assert.equal(code(ok), 'ok', ok);
  }
  const weak: [string, RegExp][] = [
    ['abc123', /8/],
    ['', /8/],
    ['abcdefgh', /two/],
    ['12345678', /two/],
    ['!!!!!!!!', /two/],
    ['Password1', /common/],
    ['1qaz2wsx', /common/],
    ['Admin@123', /common/],
    ['x'.repeat(128) + '1', /128/],
  ];
  for (const [s, message] of weak) {
    const r = checkPasswordStrength(s);
    assert.ok(!r.ok && r.code === 'PASSWORD_WEAK' && message.test(r.message), `${s}: ${JSON.stringify(r)}`);
  }
});
