// Password hashing with scrypt. The cost parameters are stored in each hash, so they can be raised
// later: old hashes still verify and needsRehash() says when to re-hash at the next login.
import crypto from 'node:crypto';
import { AppError } from '../errors.ts';

const CURRENT = { N: 32768, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

// Full-width input from a Chinese IME (ｐａｓｓ１２３) must match the half-width password typed elsewhere.
const normalise = (plain: string) => plain.normalize('NFKC');

function scrypt(plain: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs about 128·N·r bytes; the default 32 MiB limit is exactly too small at N=32768, r=8.
    crypto.scrypt(normalise(plain), salt, keyLength, { N, r, p, maxmem: 256 * N * r * p }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

// Bounds stop a corrupted or hostile stored value from asking for gigabytes of memory.
function parse(stored: string): ParsedHash | undefined {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(stored);
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4]!, 'base64');
  const hash = Buffer.from(m[5]!, 'base64');
  const powerOfTwo = (N & (N - 1)) === 0;
  if (!powerOfTwo || N < 1024 || N > 1 << 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return undefined;
  return { N, r, p, salt, hash };
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>` with a fresh random salt. */
export async function hashPassword(plain: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const hash = await scrypt(plain, salt, CURRENT.N, CURRENT.r, CURRENT.p, KEY_BYTES);
  return `scrypt$${CURRENT.N}$${CURRENT.r}$${CURRENT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time comparison using the parameters recorded in `stored`. A malformed hash is a server fault, not a wrong password. */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) throw new AppError('PASSWORD_HASH_INVALID', 'Stored password hash is malformed', 500);
  const candidate = await scrypt(plain, parsed.salt, parsed.N, parsed.r, parsed.p, parsed.hash.length);
  return crypto.timingSafeEqual(candidate, parsed.hash);
}

/** True when `stored` was made with other parameters than today's (or cannot be read). */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return (
    !parsed ||
    parsed.N !== CURRENT.N ||
    parsed.r !== CURRENT.r ||
    parsed.p !== CURRENT.p ||
    parsed.salt.length !== SALT_BYTES ||
    parsed.hash.length !== KEY_BYTES
  );
}

// Lower-case; these pass the length and character-class rules yet are among the first guessed.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  'password1', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'password!', 'abc12345', 'abc123456',
  'abcd1234', 'a1234567', 'a12345678', 'a123456789', 'aa123456', 'aa123456789', 'qq123456', 'qwe12345',
  'qwer1234', 'qwerty123', 'qwe123456', 'asd123456', 'zxc123456', 'qaz123456', '1qaz2wsx', '1q2w3e4r',
  '1q2w3e4r5t', 'zxcvbnm1', 'admin123', 'admin@123', 'admin1234', 'admin@1234', 'root1234', 'test1234',
  'woaini1314', 'woaini520', 'iloveyou1', 'welcome1', 'huawei123', '12345678a', '123456789a', '11111111a',
  '88888888a', 'yiwang123', 'yiwang@123',
]);

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export function checkPasswordStrength(plain: string): { ok: true } | { ok: false; code: 'PASSWORD_WEAK'; message: string } {
  const weak = (message: string) => ({ ok: false as const, code: 'PASSWORD_WEAK' as const, message });
  const text = normalise(plain);
  const length = [...text].length;
  if (length < PASSWORD_MIN_LENGTH) return weak(`密码至少 ${PASSWORD_MIN_LENGTH} 个字符 (at least ${PASSWORD_MIN_LENGTH} characters)`);
  if (length > PASSWORD_MAX_LENGTH) return weak(`密码最多 ${PASSWORD_MAX_LENGTH} 个字符 (at most ${PASSWORD_MAX_LENGTH} characters)`);
  const classes = [/\p{L}/u, /\p{Nd}/u, /[^\p{L}\p{Nd}]/u].filter((re) => re.test(text)).length;
  if (classes < 2) {
    return weak('密码需包含字母、数字、符号中的至少两类 (use at least two of letters, digits and symbols)');
  }
  if (COMMON_PASSWORDS.has(text.toLowerCase())) return weak('该密码过于常见，请换一个 (this password is too common)');
  return { ok: true };
}
