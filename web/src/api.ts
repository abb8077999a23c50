// The one way the UI talks to the server. Same-origin cookies carry the session; every non-GET
// request also carries the CSRF token from the login/me response, which lives only in memory.
import { t } from './i18n.ts';

export type UserKind = 'staff' | 'citizen' | 'enterprise';
export type StaffRole =
  | 'admin'
  | 'window_clerk'
  | 'approver'
  | 'hotline_agent'
  | 'handling_staff'
  | 'supervisor'
  | 'data_officer';

export interface RoleGrant {
  role: StaffRole | string;
  orgUnitCode: string;
  orgUnitName: string;
}

export interface Me {
  id: string;
  kind: UserKind;
  displayName: string;
  username: string | null;
  phoneMasked: string | null;
  roles: RoleGrant[];
  permissions: string[];
}

export interface SessionReply {
  user: Me;
  csrfToken: string;
}

export type OrgUnitKind = 'district' | 'department' | 'street' | 'town' | 'community' | 'enterprise';

export interface OrgUnit {
  id: string;
  code: string;
  name: string;
  shortName: string | null;
  kind: OrgUnitKind;
  parentId: string | null;
  depth: number;
}

export interface RegisterBody {
  kind: 'citizen' | 'enterprise';
  phone: string;
  password: string;
  displayName: string;
  idNumber?: string;
  uscc?: string;
}

/** A failed call: `code` is the server's stable code, `message` is for people. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  return send<T>(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** POSTs a file as the raw body (its own Content-Type), with the CSRF token when signed in. */
export function uploadRaw<T>(path: string, file: File): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': file.type || 'application/octet-stream',
    'X-File-Name': encodeURIComponent(file.name),
  };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  return send<T>(path, { method: 'POST', headers, body: file });
}

async function send<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, credentials: 'same-origin' });
  } catch {
    throw new ApiError('NETWORK_ERROR', t('error.network'), 0);
  }

  if (res.status === 204) return undefined as T;
  // A proxy or a crash can answer HTML; never let that surface as a JSON parse error.
  const data: unknown = await res.json().catch(() => undefined);
  if (res.ok && data !== undefined) return data as T;

  const err = data as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') {
    throw new ApiError(err.code, err.message, res.status, err.details);
  }
  throw new ApiError(`HTTP_${res.status}`, t('error.unexpected', { status: res.status }), res.status);
}

export const api = {
  me: () => request<SessionReply>('GET', '/api/auth/me'),
  login: (username: string, password: string) =>
    request<SessionReply>('POST', '/api/auth/login', { username, password }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  register: (body: RegisterBody) => request<SessionReply>('POST', '/api/auth/register', body),
  orgUnits: () => request<{ items: OrgUnit[] }>('GET', '/api/org/units'),
};
