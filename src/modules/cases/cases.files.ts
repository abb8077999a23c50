import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../platform/errors.ts';
import { randomToken } from '../../platform/ids.ts';

// Content-addressed storage for materials and attachments. A file is stored once under its SHA-256
// (`files/sha256/ab/cd/abcd…` in the data folder by default, or an object key of the same shape in
// an S3-compatible bucket). Writes go to a temporary name and are renamed into place, and the
// database row is written only after the content is stored, so neither a crash nor a refused
// upload leaves half a file behind a row. The type is decided by sniffing the content's magic
// bytes, never by the name or the Content-Type a client claims.

export interface StoredObject {
  sha256: string;
  size: number;
  mediaType: string;
}

export interface FileStore {
  readonly kind: 'local' | 's3';
  /** Stores the bytes under their hash (idempotent: the same content is stored once). */
  put(sha256: string, bytes: Buffer, mediaType: string): Promise<void>;
  get(sha256: string): Promise<Buffer | undefined>;
  has(sha256: string): Promise<boolean>;
}

export const objectKey = (sha256: string) => `sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;

/** Files in a folder; the default, under `<data dir>/files`. */
export class LocalFileStore implements FileStore {
  readonly kind = 'local' as const;
  constructor(readonly root: string) {}

  private pathOf(sha256: string) {
    return path.join(this.root, ...objectKey(sha256).split('/'));
  }

  async put(sha256: string, bytes: Buffer): Promise<void> {
    const target = this.pathOf(sha256);
    if (fs.existsSync(target)) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomToken(6)}.partial`;
    try {
      const fd = fs.openSync(tmp, 'wx', 0o640);
      try {
        fs.writeSync(fd, bytes);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, target); // atomic: readers see the whole file or none
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    const p = this.pathOf(sha256);
    if (!fs.existsSync(p)) return undefined;
    const bytes = fs.readFileSync(p);
    // Content addressing lets every read verify what it returns.
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
      throw new AppError('FILE_CORRUPT', `stored file ${sha256} does not match its hash`, 500);
    }
    return bytes;
  }

  async has(sha256: string): Promise<boolean> {
    return fs.existsSync(this.pathOf(sha256));
  }
}

export interface S3Config {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (endpoint/bucket/key), as MinIO and most S3-compatible stores expect. */
  isPathStyle: boolean;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * AWS Signature Version 4 headers for one request (the scheme S3-compatible stores accept). Pure,
 * so it is tested against the published example; the adapter itself has not been run against a
 * real S3 service here.
 */
export function signS3Request(
  cfg: Pick<S3Config, 'region' | 'accessKeyId' | 'secretAccessKey'>,
  req: { method: string; host: string; path: string; headers: Record<string, string>; payloadHash: string; at: Date },
): Record<string, string> {
  const amzDate = req.at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...req.headers, host: req.host, 'x-amz-content-sha256': req.payloadHash, 'x-amz-date': amzDate };
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const canonical = [
    req.method,
    req.path.split('/').map((s) => encodeURIComponent(s)).join('/'),
    '',
    ...names.map((n) => `${n}:${lower[n]}`),
    '',
    names.join(';'),
    req.payloadHash,
  ].join('\n');
  const scope = `${day}/${cfg.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${cfg.secretAccessKey}`, day), cfg.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${cfg.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

/** An S3-compatible bucket (MinIO, Ceph, cloud object storage) through signed HTTP requests. */
export class S3FileStore implements FileStore {
  readonly kind = 's3' as const;
  constructor(
    readonly cfg: S3Config,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  private target(sha256: string) {
    const base = new URL(this.cfg.endpoint);
    const key = objectKey(sha256);
    const host = this.cfg.isPathStyle ? base.host : `${this.cfg.bucket}.${base.host}`;
    const p = this.cfg.isPathStyle ? `/${this.cfg.bucket}/${key}` : `/${key}`;
    return { url: `${base.protocol}//${host}${p}`, host, path: p };
  }

  private async send(method: string, sha256: string, body?: Buffer, extra: Record<string, string> = {}) {
    const t = this.target(sha256);
    const payloadHash = body ? sha256Hex(body) : sha256Hex('');
    const headers = signS3Request(this.cfg, { method, host: t.host, path: t.path, headers: extra, payloadHash, at: new Date() });
    delete headers.host;
    return this.fetchFn(t.url, { method, headers, body: body ? new Uint8Array(body) : undefined });
  }

  async put(sha256: string, bytes: Buffer, mediaType: string): Promise<void> {
    if (await this.has(sha256)) return;
    // S3 makes an object visible only once the whole PUT has succeeded: no half-written object.
    const res = await this.send('PUT', sha256, bytes, { 'content-type': mediaType });
    if (!res.ok) throw new AppError('FILE_STORE_FAILED', `object store refused the upload (HTTP ${res.status})`, 502);
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    const res = await this.send('GET', sha256);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new AppError('FILE_STORE_FAILED', `object store read failed (HTTP ${res.status})`, 502);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (sha256Hex(bytes) !== sha256) throw new AppError('FILE_CORRUPT', `stored file ${sha256} does not match its hash`, 500);
    return bytes;
  }

  async has(sha256: string): Promise<boolean> {
    const res = await this.send('HEAD', sha256);
    return res.ok;
  }
}

// ---------------------------------------------------------------- configuration

export interface FileLimits {
  maxBytes: number;
  /** Sniffed media types accepted for materials. */
  allowedTypes: readonly string[];
}

export const DEFAULT_LIMITS: FileLimits = {
  maxBytes: 20 * 1024 * 1024,
  allowedTypes: ['application/pdf', 'image/jpeg', 'image/png', 'application/ofd'],
};

/**
 * The store named by the environment: YIWANG_FILE_STORE=local (default, under the data folder) or
 * s3 with YIWANG_S3_ENDPOINT, _BUCKET, _REGION, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY (and
 * YIWANG_S3_PATH_STYLE=false for virtual-hosted buckets); YIWANG_FILE_MAX_MB caps an upload.
 * A wrong setting stops the start.
 */
export function fileStoreFromEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): { store: FileStore; limits: FileLimits } {
  const kind = env.YIWANG_FILE_STORE || 'local';
  const maxMb = env.YIWANG_FILE_MAX_MB ? Number(env.YIWANG_FILE_MAX_MB) : DEFAULT_LIMITS.maxBytes / 1024 / 1024;
  if (!(maxMb > 0 && maxMb <= 1024)) throw new AppError('CONFIG_INVALID', 'YIWANG_FILE_MAX_MB must be a number of MiB between 0 and 1024');
  const limits = { ...DEFAULT_LIMITS, maxBytes: Math.round(maxMb * 1024 * 1024) };
  if (kind === 'local') return { store: new LocalFileStore(path.join(dataDir, 'files')), limits };
  if (kind !== 's3') throw new AppError('CONFIG_INVALID', `YIWANG_FILE_STORE must be local or s3, got "${kind}"`);
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new AppError('CONFIG_INVALID', `${name} is required when YIWANG_FILE_STORE=s3`);
    return v;
  };
  const endpoint = need('YIWANG_S3_ENDPOINT');
  if (!/^https?:\/\//.test(endpoint)) throw new AppError('CONFIG_INVALID', 'YIWANG_S3_ENDPOINT must start with http:// or https://');
  return {
    store: new S3FileStore({
      endpoint,
      bucket: need('YIWANG_S3_BUCKET'),
      region: env.YIWANG_S3_REGION || 'us-east-1',
      accessKeyId: need('YIWANG_S3_ACCESS_KEY_ID'),
      secretAccessKey: need('YIWANG_S3_SECRET_ACCESS_KEY'),
      isPathStyle: !/^(0|false|no|off)$/i.test(env.YIWANG_S3_PATH_STYLE ?? 'true'),
    }),
    limits,
  };
}

// ---------------------------------------------------------------- sniffing

const startsWith = (b: Buffer, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/** The media type the content's magic bytes say, or undefined when none is recognised. */
export function sniffMediaType(b: Buffer): string | undefined {
  if (startsWith(b, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (startsWith(b, [0x4d, 0x5a])) return 'application/x-msdownload'; // MZ: Windows executables
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return 'application/x-elf';
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) {
    // OFD (GB/T 33190, the national e-document format) is a zip whose root holds OFD.xml.
    return b.subarray(0, 512).includes('OFD.xml') ? 'application/ofd' : 'application/zip';
  }
  return undefined;
}

/** Checks an upload against the limits; returns its hash and sniffed type. */
const TYPE_NAMES: Record<string, string> = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'application/ofd': 'OFD' };

export function checkUpload(bytes: Buffer, limits: FileLimits): StoredObject {
  if (bytes.length === 0) throw new AppError('FILE_EMPTY', '上传的文件为空 (the file is empty)', 400);
  if (bytes.length > limits.maxBytes) {
    throw new AppError('FILE_TOO_LARGE', `文件超过 ${Math.round(limits.maxBytes / 1024 / 1024)} MB 上限 (file of ${bytes.length} bytes exceeds ${limits.maxBytes})`, 413, { maxBytes: limits.maxBytes, size: bytes.length });
  }
  const mediaType = sniffMediaType(bytes);
  if (!mediaType || !limits.allowedTypes.includes(mediaType)) {
    const names = limits.allowedTypes.map((t) => TYPE_NAMES[t] ?? t).join('、');
    throw new AppError('FILE_TYPE_FORBIDDEN', `只接受 ${names} 文件 (content is ${mediaType ?? 'not a recognised type'}; allowed: ${limits.allowedTypes.join(', ')})`, 415, { sniffed: mediaType ?? null });
  }
  return { sha256: sha256Hex(bytes), size: bytes.length, mediaType };
}

/** A file name safe to show and to send back in Content-Disposition. */
export function cleanFileName(name: string | undefined): string | null {
  if (!name) return null;
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    /* keep as sent */
  }
  const clean = decoded.replace(/[\\/\u0000-\u001f"<>|:*?]/g, '_').trim().slice(0, 200);
  return clean || null;
}
