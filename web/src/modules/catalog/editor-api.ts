// The staff catalogue API (/api/catalog) as the editor screens use it. The server's schemas
// (src/modules/catalog/catalog.schemas.ts) are the truth; these types repeat what the pages read.
// Reviewers without catalog:write read the same lists and versions under /api/catalog/review.
import { ApiError, request } from '../../api.ts';
import { can } from '../../session.ts';
import type { ItemElements } from './catalog-api.ts';

export type VersionStatus = 'draft' | 'review' | 'published' | 'withdrawn';
export const VERSION_STATUSES: VersionStatus[] = ['draft', 'review', 'published', 'withdrawn'];

export interface ItemListEntry {
  code: string;
  kind: 'implementation' | 'handling';
  unitCode: string;
  name: string;
  cancelledOn: string | null;
  latestVersion: number;
  latestStatus: VersionStatus;
  currentVersion: number | null;
}

export interface VersionSummary {
  id: string;
  version: number;
  status: VersionStatus;
  effectiveFrom: string | null;
  effectiveUntil: string | null;
  name: string;
  createdAt: string;
  submittedAt: string | null;
  publishedAt: string | null;
  returnReason: string | null;
}

export interface ItemVersion {
  id: string;
  itemId: string;
  code: string;
  kind: 'implementation' | 'handling';
  basicCode: string;
  implementationCode: string;
  handlingCode: string | null;
  parentCode: string | null;
  unitCode: string;
  powerCode: string;
  version: number;
  status: VersionStatus;
  effectiveFrom: string | null;
  effectiveUntil: string | null;
  acceptsApplications: boolean;
  elements: ItemElements;
}

export interface CodeList {
  id: string;
  name: string;
  codes: { code: string; name: string }[];
}

export interface ImportSummary {
  basicEntries: number;
  powerEntries: number;
  items: number;
  itemsCreated: number;
  versionsCreated: number;
  versionsUpdated: number;
  bundles: number;
  bundleVersionsCreated: number;
}

/** One problem the server found, with the element path it concerns (without the `/elements` prefix). */
export interface FieldProblem {
  code: string;
  path: string;
  message: string;
  /** From a schema failure: which limit was broken (minLength, maximum …). */
  params?: Record<string, unknown>;
}

const readBase = () => (can('catalog:write') ? '/api/catalog' : '/api/catalog/review');
const item = (code: string) => encodeURIComponent(code);

export const editorApi = {
  items: () => request<{ items: ItemListEntry[] }>('GET', `${readBase()}/items`),
  versions: (code: string) => request<{ items: VersionSummary[] }>('GET', `${readBase()}/items/${item(code)}/versions`),
  version: (id: string) => request<ItemVersion>('GET', `${readBase()}/versions/${encodeURIComponent(id)}`),
  codes: () => request<{ lists: CodeList[] }>('GET', '/api/public/catalog/codes'),
  createDraft: (code: string, elements?: ItemElements) =>
    request<ItemVersion>('POST', `/api/catalog/items/${item(code)}/versions`, elements ? { elements } : {}),
  saveDraft: (id: string, elements: ItemElements) => request<ItemVersion>('PUT', `/api/catalog/versions/${id}`, { elements }),
  submit: (id: string) => request<ItemVersion>('POST', `/api/catalog/versions/${id}/submit`),
  returnVersion: (id: string, reason: string) => request<ItemVersion>('POST', `/api/catalog/versions/${id}/return`, { reason }),
  publish: (id: string, effectiveFrom: string) => request<ItemVersion>('POST', `/api/catalog/versions/${id}/publish`, { effectiveFrom }),
  cancel: (code: string, date: string, reason: string) =>
    request<{ code: string; cancelledOn: string }>('POST', `/api/catalog/items/${item(code)}/cancel`, { date, reason }),
  exportCatalog: () => request<Record<string, unknown>>('GET', '/api/catalog/export'),
  importCatalog: (doc: unknown) => request<ImportSummary>('POST', '/api/catalog/import', doc),
};

/** Today in China (UTC+8), the calendar the server checks effective dates against. */
export const chinaToday = (now = new Date()) => new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

/** The published version in force today, from an item's version list. */
export function versionInForce(versions: VersionSummary[], today = chinaToday()): VersionSummary | undefined {
  return versions.find(
    (v) => v.status === 'published' && v.effectiveFrom !== null && v.effectiveFrom <= today && (v.effectiveUntil === null || v.effectiveUntil > today),
  );
}

/** The draft or review version an item has open (the server allows one). */
export const openVersion = (versions: VersionSummary[]) => versions.find((v) => v.status === 'draft' || v.status === 'review');

const LEADING_PATH = /^(\/[A-Za-z0-9/]+): /;

/**
 * The field-level problems of a failed save: the rule checks' list, a schema failure's paths, or
 * the path the message starts with. Paths are relative to the elements.
 */
export function fieldProblems(err: ApiError): FieldProblem[] {
  const strip = (p: string) => p.replace(/^\/elements(?=\/|$)/, '');
  const details = Array.isArray(err.details) ? (err.details as Record<string, unknown>[]) : [];
  const out: FieldProblem[] = [];
  for (const d of details) {
    if (typeof d.path !== 'string') continue;
    const params = d.params && typeof d.params === 'object' ? (d.params as Record<string, unknown>) : undefined;
    let path = strip(d.path);
    // A missing property is reported at its parent; point at the field itself.
    if (typeof params?.missingProperty === 'string') path = `${path}/${params.missingProperty}`;
    out.push({ code: typeof d.code === 'string' ? d.code : err.code, path, message: typeof d.message === 'string' ? d.message : err.message, params });
  }
  if (out.length) return out;
  const m = LEADING_PATH.exec(err.message);
  if (m?.[1]?.startsWith('/elements')) return [{ code: err.code, path: strip(m[1]), message: err.message.slice(m[0].length) }];
  return [];
}
