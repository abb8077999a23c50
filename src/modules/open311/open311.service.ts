import { createHash } from 'node:crypto';
import type { Platform } from '../../platform/module.ts';
import { AppError, conflict } from '../../platform/errors.ts';
import { writeAudit } from '../../platform/audit.ts';
import { randomToken, uuidv7 } from '../../platform/ids.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import {
  createWorkOrder,
  getWorkOrder,
  listCategories,
  listWorkOrders,
  type Category,
  type Open311Attribute,
  type WorkOrderSummary,
} from '../hotline/index.ts';
import * as repo from './open311.repository.ts';

// Open311 GeoReport v2 over the hotline: services are the hotline categories offered to the public,
// requests are work orders. service_request_id is the order's number, which citizens also see.

type Ctx = Pick<ActionContext, 'actor' | 'requestId' | 'ip'>;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** An Open311 error: the API answers `[{ code, description }]` with this HTTP status. */
export class Open311Error extends AppError {
  constructor(status: 400 | 403 | 404, code: string, description: string) {
    super(code, description, status);
  }
}

export async function listServices(platform: Platform) {
  const all = await listCategories(platform);
  const byCode = new Map(all.map((c) => [c.code, c]));
  return all
    .filter((c) => c.openService)
    .map((c) => ({
      service_code: c.code,
      service_name: c.name,
      description: c.description || null,
      metadata: c.attributes.length > 0,
      type: 'realtime' as const,
      keywords: c.keywords.length ? c.keywords.join(',') : null,
      group: c.parentCode ? (byCode.get(c.parentCode)?.name ?? null) : null,
    }));
}

async function openService(platform: Platform, code: string, status: 400 | 404 = 404): Promise<Category> {
  const c = (await listCategories(platform)).find((x) => x.code === code && x.openService);
  if (!c) throw new Open311Error(status, 'OPEN311_SERVICE_UNKNOWN', `service_code ${code} is not offered`);
  return c;
}

export async function serviceDefinition(platform: Platform, code: string) {
  const c = await openService(platform, code);
  return { service_code: c.code, attributes: [...c.attributes].sort((a, b) => a.order - b.order) };
}

/** The form fields of POST requests, after parsing `attribute[code]` keys. */
export interface SubmitFields {
  api_key?: string;
  jurisdiction_id?: string;
  service_code?: string;
  lat?: string | number;
  long?: string | number;
  address_string?: string;
  address_id?: string;
  email?: string;
  device_id?: string;
  account_id?: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  description?: string;
  media_url?: string;
  attribute?: Record<string, string | number | string[]>;
}

async function clientOf(platform: Platform, apiKey: string | undefined) {
  if (!apiKey) throw new Open311Error(403, 'OPEN311_API_KEY_REQUIRED', 'api_key is required to submit a request');
  const client = await repo.findLiveClientByKeyHash(platform.db, sha256(apiKey));
  if (!client) throw new Open311Error(403, 'OPEN311_API_KEY_INVALID', 'api_key is unknown or revoked');
  return client;
}

function number(name: string, v: string | number | undefined, limit: number): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new Open311Error(400, 'OPEN311_FIELD_INVALID', `${name} must be a number`);
  if (Math.abs(n) > limit) throw new Open311Error(400, 'OPEN311_FIELD_INVALID', `${name} must be between -${limit} and ${limit}`);
  return n;
}

/** Checks submitted attribute values against the service definition (required, list keys, numbers, datetimes). */
export function checkAttributes(defs: Open311Attribute[], given: Record<string, string | number | string[]> = {}) {
  const out: Record<string, string | number | string[]> = {};
  for (const code of Object.keys(given)) {
    if (!defs.some((d) => d.code === code && d.variable)) throw new Open311Error(400, 'OPEN311_ATTRIBUTE_UNKNOWN', `attribute ${code} is not defined for this service`);
  }
  for (const d of defs.filter((x) => x.variable)) {
    const raw = given[d.code];
    const empty = raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0);
    if (empty) {
      if (d.required) throw new Open311Error(400, 'OPEN311_ATTRIBUTE_REQUIRED', `attribute ${d.code} (${d.description}) is required`);
      continue;
    }
    const values = Array.isArray(raw) ? raw : [String(raw)];
    const keys = new Set((d.values ?? []).map((v) => v.key));
    switch (d.datatype) {
      case 'number': {
        const n = Number(values[0]);
        if (values.length !== 1 || !Number.isFinite(n)) throw new Open311Error(400, 'OPEN311_ATTRIBUTE_INVALID', `attribute ${d.code} must be a number`);
        out[d.code] = n;
        break;
      }
      case 'datetime':
        if (values.length !== 1 || Number.isNaN(Date.parse(values[0]!))) throw new Open311Error(400, 'OPEN311_ATTRIBUTE_INVALID', `attribute ${d.code} must be an ISO 8601 date-time`);
        out[d.code] = values[0]!;
        break;
      case 'singlevaluelist':
        if (values.length !== 1 || !keys.has(values[0]!)) throw new Open311Error(400, 'OPEN311_ATTRIBUTE_INVALID', `attribute ${d.code} must be one of ${[...keys].join(', ')}`);
        out[d.code] = values[0]!;
        break;
      case 'multivaluelist':
        if (!values.every((v) => keys.has(v))) throw new Open311Error(400, 'OPEN311_ATTRIBUTE_INVALID', `attribute ${d.code} values must be among ${[...keys].join(', ')}`);
        out[d.code] = values;
        break;
      default:
        if (values.length !== 1) throw new Open311Error(400, 'OPEN311_ATTRIBUTE_INVALID', `attribute ${d.code} takes one value`);
        out[d.code] = values[0]!;
    }
  }
  return out;
}

export const MEDIA_URL_MAX_LENGTH = 2000;

/**
 * A submitted media_url: an absolute http(s) URL without user name or password, at most 2000
 * characters, answered in its normalised form (non-ASCII percent-encoded). It is a link the API
 * hands back to other clients; the server never fetches it, so it cannot be made to reach inside
 * the network, and what it points to is the submitting client's to host.
 */
export function checkMediaUrl(raw: string | undefined): string | null {
  const given = raw?.trim();
  if (!given) return null;
  const invalid = (why: string) => new Open311Error(400, 'OPEN311_MEDIA_URL_INVALID', `media_url ${why}`);
  if (given.length > MEDIA_URL_MAX_LENGTH) throw invalid(`is longer than ${MEDIA_URL_MAX_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw invalid('must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('must be an http or https URL');
  if (!url.hostname) throw invalid('must name a host');
  if (url.username || url.password) throw invalid('must not carry a user name or password');
  if (url.href.length > MEDIA_URL_MAX_LENGTH) throw invalid(`is longer than ${MEDIA_URL_MAX_LENGTH} characters once encoded`);
  return url.href;
}

export async function submitRequest(platform: Platform, f: SubmitFields, idempotencyKey: string | undefined, ctx: Ctx) {
  const client = await clientOf(platform, f.api_key);
  if (!f.service_code) throw new Open311Error(400, 'OPEN311_FIELD_REQUIRED', 'service_code is required');
  const service = await openService(platform, f.service_code, 400);
  const description = f.description?.trim();
  if (!description) throw new Open311Error(400, 'OPEN311_FIELD_REQUIRED', 'description is required');
  if (description.length > 4000) throw new Open311Error(400, 'OPEN311_FIELD_INVALID', 'description is longer than 4000 characters');
  const lat = number('lat', f.lat, 90);
  const long = number('long', f.long, 180);
  // GeoReport v2: a location is lat+long, or address_string, or address_id.
  if ((lat === undefined) !== (long === undefined)) throw new Open311Error(400, 'OPEN311_FIELD_INVALID', 'lat and long go together');
  const address = f.address_string?.trim() || (f.address_id ? `address_id ${f.address_id}` : undefined);
  if (lat === undefined && !address) throw new Open311Error(400, 'OPEN311_LOCATION_REQUIRED', 'a location is required: lat and long, address_string or address_id');
  const attributes = checkAttributes(service.attributes, f.attribute);
  const mediaUrl = checkMediaUrl(f.media_url);
  const name = [f.last_name, f.first_name].filter(Boolean).join('') || undefined;
  const actor = { kind: 'token' as const, id: client.id, label: `open311:${client.name}` };
  const created = await createWorkOrder(
    platform,
    {
      channel: 'open311',
      kind: 'request',
      categoryCode: service.code,
      description,
      ...(address ? { address } : {}),
      ...(lat !== undefined ? { latitude: lat, longitude: long } : {}),
      ...(Object.keys(attributes).length ? { attributes } : {}),
      ...(name || f.phone ? { caller: { ...(name ? { name } : {}), ...(f.phone ? { phone: f.phone } : {}) } } : {}),
      ...(idempotencyKey ? { idempotencyKey, idempotencySource: `open311:${client.id}` } : {}),
    },
    { ...ctx, actor },
  );
  // The media_url is the adapter's to keep (the hotline order has no field for a remote link); it is
  // written with the token, so a replay with the same Idempotency-Key that lost its first answer
  // still records it.
  const submission = await platform.db.tx((tx) =>
    repo.recordSubmission(tx, { token: randomToken(12), clientId: client.id, workOrderId: created.id, mediaUrl }, platform.clock.now()),
  );
  if (!created.created && submission.media_url !== mediaUrl) {
    throw conflict('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a request with a different media_url');
  }
  // Optional fields are left out rather than sent as null: the GeoReport field set types them as strings.
  return [{
    service_request_id: created.number,
    token: submission.token,
    service_notice: `已受理，工单号 ${created.number} (received)`,
    ...(f.account_id ? { account_id: f.account_id } : {}),
  }];
}

export interface RequestFilter {
  service_request_id?: string;
  service_code?: string;
  start_date?: string;
  end_date?: string;
  status?: string;
}

/** Spec defaults: the last 90 days, at most 1000 requests. */
export async function findRequests(platform: Platform, q: RequestFilter) {
  const date = (name: string, v: string | undefined) => {
    if (!v) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new Open311Error(400, 'OPEN311_FIELD_INVALID', `${name} must be an ISO 8601 date-time`);
    return d;
  };
  if (q.status && q.status.split(',').some((s) => s !== 'open' && s !== 'closed')) {
    throw new Open311Error(400, 'OPEN311_FIELD_INVALID', 'status must be open or closed');
  }
  const statuses = q.status ? [...new Set(q.status.split(','))] : [];
  const numbers = q.service_request_id?.split(',').map((s) => s.trim()).filter(Boolean);
  // Both ends are included (GeoReport: the earliest and the latest datetime to include); the
  // hotline's upper bound is exclusive, so it is taken a millisecond later.
  const to = date('end_date', q.end_date);
  const from = date('start_date', q.start_date) ?? (numbers ? undefined : new Date((to ?? platform.clock.now()).getTime() - 90 * 86400_000));
  const rows = await listWorkOrders(platform, {
    numbers,
    categoryCodes: q.service_code?.split(',').map((s) => s.trim()).filter(Boolean),
    status: statuses.length === 1 ? (statuses[0] as 'open' | 'closed') : undefined,
    from,
    to: to && new Date(to.getTime() + 1),
    limit: 1000,
  });
  const media = await repo.mediaUrlsOf(platform.db, rows.map((r) => r.id));
  return rows.map((r) => toRequest(r, media.get(r.id) ?? null));
}

export async function findRequest(platform: Platform, id: string) {
  const order = await getWorkOrder(platform, id);
  if (!order) throw new Open311Error(404, 'OPEN311_REQUEST_UNKNOWN', `service_request_id ${id} not found`);
  const media = await repo.mediaUrlsOf(platform.db, [order.id]);
  return [toRequest(order, media.get(order.id) ?? null)];
}

export async function findToken(platform: Platform, token: string) {
  const row = await repo.findToken(platform.db, token);
  const order = row && (await getWorkOrder(platform, row.work_order_id));
  if (!order) throw new Open311Error(404, 'OPEN311_TOKEN_UNKNOWN', `token ${token} not found`);
  return [{ service_request_id: order.number, token }];
}

/**
 * A work order as a GeoReport request. Confidential orders show neither text, place nor media.
 * media_url is only ever a link an Open311 client submitted: photos citizens upload through the
 * portal are private attachments of the order (seen by those who may see the order) and are never
 * given a public URL here.
 */
export function toRequest(o: WorkOrderSummary & { latitude?: number | null; longitude?: number | null }, mediaUrl: string | null) {
  return {
    service_request_id: o.number,
    status: o.isOpen ? ('open' as const) : ('closed' as const),
    status_notes: o.statusLabel,
    service_name: o.categoryName,
    service_code: o.categoryCode,
    description: o.isConfidential ? null : o.description,
    agency_responsible: o.leadUnitName,
    service_notice: null,
    requested_datetime: o.createdAt,
    updated_datetime: o.updatedAt,
    expected_datetime: o.finishDueAt,
    address: o.isConfidential ? null : o.address,
    address_id: null,
    zipcode: null,
    lat: o.isConfidential ? null : (o.latitude ?? null),
    long: o.isConfidential ? null : (o.longitude ?? null),
    media_url: o.isConfidential ? null : mediaUrl,
  };
}

/** Issues an Open311 API key for a client system; the key is shown once. */
export async function createApiClient(platform: Platform, name: string, ctx: Ctx, key = `o311_${randomToken(24)}`) {
  const id = uuidv7();
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    await repo.insertClient(tx, { id, name, keyHash: sha256(key) }, now);
    await writeAudit(tx, { ...ctx, at: now, action: 'open311.client.create', objectType: 'open311_client', objectId: id, data: { name } });
  });
  return { id, name, apiKey: key };
}

export async function revokeApiClient(platform: Platform, id: string, ctx: Ctx) {
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    await repo.revokeClient(tx, id, now);
    await writeAudit(tx, { ...ctx, at: now, action: 'open311.client.revoke', objectType: 'open311_client', objectId: id });
  });
}

export const hasClientWithKey = async (platform: Platform, key: string) => !!(await repo.findLiveClientByKeyHash(platform.db, sha256(key)));
