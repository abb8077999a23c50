// Personal data at rest (个人信息保护法): values are stored encrypted, found through keyed blind
// indexes, and shown masked. The master key comes from the environment or a 0600 key file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.ts';
import { normaliseIdNumber, toHalfWidth } from './identity-numbers.ts';

const KEY_BYTES = 32;
const KEY_FILE = 'pii.key';

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  // Buffer.from skips characters it does not understand, so check the text is canonical base64 too.
  if (key.length !== KEY_BYTES || key.toString('base64') !== trimmed) {
    throw new AppError(
      'PII_KEY_INVALID',
      `${source} must be the base64 of exactly ${KEY_BYTES} random bytes (e.g. \`openssl rand -base64 32\`)`,
      500,
    );
  }
  return key;
}

/** The PII master key: `key` (YIWANG_PII_KEY) when given, else `<dataDir>/pii.key`, created on first use. */
export function loadPiiKey({ key, dataDir }: { key?: string; dataDir: string }): Buffer {
  if (key !== undefined && key !== '') return decodeKey(key, 'YIWANG_PII_KEY');

  const file = path.join(dataDir, KEY_FILE);
  if (!fs.existsSync(file)) createKeyFile(dataDir, file);

  // POSIX permission bits mean nothing on Windows.
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    throw new AppError(
      'PII_KEY_PERMISSIONS',
      `PII key file ${file} is accessible by group or others; run \`chmod 600 ${file}\``,
      500,
    );
  }
  return decodeKey(fs.readFileSync(file, 'utf8'), `PII key file ${file}`);
}

// Written to a private temporary file and then hard-linked into place: link() fails if the key
// already exists, so two processes starting together never overwrite or half-read each other's key.
function createKeyFile(dataDir: string, file: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, crypto.randomBytes(KEY_BYTES).toString('base64') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.unlinkSync(tmp);
  }
}

// ---------------------------------------------------------------- normalisation and validation

/** Digits only, without a +86 / 0086 country code; landlines get back their trunk 0 (+86 755 … → 0755…). */
export function normalisePhone(input: string): string {
  let s = toHalfWidth(input).replace(/[\s\-()（）.]/g, '');
  let international = false;
  if (s.startsWith('+86')) [s, international] = [s.slice(3), true];
  else if (s.startsWith('0086')) [s, international] = [s.slice(4), true];
  s = s.replace(/\D/g, '');
  if (!international && s.length === 13 && s.startsWith('861')) [s, international] = [s.slice(2), true];
  if (international && s !== '' && !s.startsWith('1') && !s.startsWith('0')) s = '0' + s;
  return s;
}

/** Mainland mobile number (11 digits, 1[3-9]…), in any usual formatting. */
export function isMobilePhone(input: string): boolean {
  return /^1[3-9]\d{9}$/.test(normalisePhone(input));
}

/** Mobile or fixed line: 3-digit area codes (010, 02x) take 8 digits, 4-digit ones 7 or 8 (e.g. 0755-12345678). */
export function isPhoneNumber(input: string): boolean {
  const s = normalisePhone(input);
  return /^1[3-9]\d{9}$/.test(s) || /^(?:010|02\d)[1-9]\d{7}$/.test(s) || /^0[3-9]\d{2}[1-9]\d{6,7}$/.test(s);
}

/** Blind indexes normalise by kind so that equal values written differently still match. */
const NORMALISERS: Readonly<Record<string, (s: string) => string>> = {
  idNumber: normaliseIdNumber,
  phone: normalisePhone,
};

// ---------------------------------------------------------------- vault

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const decryptFailed = () =>
  new AppError('PII_DECRYPT_FAILED', 'Encrypted personal data could not be decrypted (tampered, truncated or a different key)', 500);

export class PiiVault {
  readonly #encKey: Buffer;
  readonly #indexKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) throw new AppError('PII_KEY_INVALID', `PII master key must be ${KEY_BYTES} bytes`, 500);
    // Separate keys per purpose: an index value can never help decrypt, nor the reverse.
    const derive = (info: string) => Buffer.from(crypto.hkdfSync('sha256', masterKey, 'yiwang-pii', info, KEY_BYTES));
    this.#encKey = derive('yiwang pii v1 aes-256-gcm');
    this.#indexKey = derive('yiwang pii v1 blind-index hmac-sha256');
  }

  /** AES-256-GCM with a random IV: `v1.<iv>.<ciphertext+tag>` (base64url). */
  encrypt(plain: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#encKey, iv);
    // The version is authenticated too, so a value cannot be relabelled for another format.
    cipher.setAAD(Buffer.from(FORMAT));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(stored: string): string {
    const [version, ivText, bodyText, ...rest] = stored.split('.');
    if (version !== FORMAT || ivText === undefined || bodyText === undefined || rest.length > 0) throw decryptFailed();
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw decryptFailed();
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.#encKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(FORMAT));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw decryptFailed();
    }
  }

  /** HMAC-SHA256 hex of `kind:normalised value`; equal values are found without decrypting. */
  blindIndex(kind: string, plain: string): string {
    // A kind without ':' keeps `kind:value` unambiguous, so different kinds never collide.
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(kind)) throw new AppError('PII_INDEX_KIND_INVALID', `Invalid blind index kind "${kind}"`, 500);
    const normalise = NORMALISERS[kind] ?? ((s: string) => s.trim());
    return crypto.createHmac('sha256', this.#indexKey).update(`${kind}:${normalise(plain)}`, 'utf8').digest('hex');
  }
}

// ---------------------------------------------------------------- masking

/** `110105********002X`: first 6 and last 4 kept; shorter odd input is masked entirely. */
export function maskIdNumber(input: string): string {
  const chars = [...input.trim()];
  if (chars.length <= 10) return '*'.repeat(chars.length);
  return chars.slice(0, 6).join('') + '*'.repeat(chars.length - 10) + chars.slice(-4).join('');
}

/** `138****5678`: first 3 and last 4 digits kept; short numbers keep only their last 2. */
export function maskPhone(input: string): string {
  const digits = normalisePhone(input);
  if (digits.length === 0) return '*'.repeat([...input.trim()].length);
  if (digits.length <= 2) return '*'.repeat(digits.length);
  if (digits.length < 8) return '*'.repeat(digits.length - 2) + digits.slice(-2);
  return digits.slice(0, 3) + '*'.repeat(digits.length - 7) + digits.slice(-4);
}

/** `张**`: the first character kept (a one-character name is masked entirely). */
export function maskName(input: string): string {
  const chars = [...input.trim()];
  if (chars.length <= 1) return '*'.repeat(chars.length);
  return chars[0] + '*'.repeat(chars.length - 1);
}
