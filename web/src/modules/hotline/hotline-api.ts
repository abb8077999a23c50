// Calls and shapes of the hotline API (/api/hotline) as the pages use them. The server's schemas
// (hotline.schemas.ts) are the truth; these types repeat only the fields the pages read.
import { request, uploadRaw } from '../../api.ts';

export type Kind = 'consultation' | 'request' | 'complaint' | 'report' | 'suggestion' | 'praise';
export const KINDS: Kind[] = ['consultation', 'request', 'complaint', 'report', 'suggestion', 'praise'];
export type Badge = 'none' | 'normal' | 'warning' | 'overdue' | 'paused';
export type Satisfaction = 'satisfied' | 'basically_satisfied' | 'unsatisfied';
/** 110 police, 119 fire, 120 ambulance, 122 traffic police */
export type TransferTarget = '110' | '119' | '120' | '122';
export const TRANSFER_TARGETS: TransferTarget[] = ['110', '119', '120', '122'];

export interface Open311Attribute {
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

export interface Category {
  code: string;
  parentCode: string | null;
  name: string;
  description: string;
  timeLimitDays: number;
  defaultUnitCode: string | null;
  openService: boolean;
  isLocationRequired: boolean;
  attributes: Open311Attribute[];
  keywords: string[];
}

export interface OrderSummary {
  id: string;
  number: string;
  channel: string;
  kind: Kind;
  priority: 'normal' | 'urgent';
  categoryCode: string;
  categoryName: string;
  description: string;
  address: string | null;
  status: string;
  statusLabel: string;
  isOpen: boolean;
  leadUnitCode: string | null;
  leadUnitName: string | null;
  callerNameMasked: string | null;
  callerPhoneMasked: string | null;
  isConfidential: boolean;
  signDueAt: string | null;
  finishDueOn: string | null;
  badges: { sign: Badge; finish: Badge };
  urgeCount: number;
  /** 0 none, 1 督办, 2 重点督办, 3 挂牌督办 */
  supervisionLevel: number;
  isReported: boolean;
  redoCount: number;
  createdAt: string;
}

export interface PendingRequest {
  id: string;
  kind: 'return' | 'extension' | 'co_handling';
  unitCode: string;
  state: 'pending' | 'approved' | 'refused' | 'withdrawn';
  data: Record<string, unknown>;
  requestedAt: string;
  decisionNote: string | null;
}

export interface DispatchSuggestion {
  units: { unitCode: string; score: number; explanation: string[] }[];
  streetCode: string | null;
  autoDispatch: boolean;
}

export interface OrderDetail extends OrderSummary {
  /** How the caller sees the order, and the transition actions they may take now. */
  viewer: 'centre' | 'unit' | 'citizen';
  allowedActions: string[];
  timeLimitDays: number;
  extendedDays: number;
  isPaused: boolean;
  attributes: Record<string, unknown>;
  /** The photos sent with the request (ids for photoUrl). */
  attachmentIds: string[];
  suggestion: DispatchSuggestion | null;
  duplicateCandidates: { id: string; number: string; score: number }[];
  links: { mergedInto: string | null; splitFrom: string | null; repeatOf: string | null; redoOf: string | null; mergedFrom: string[]; splitInto: string[] };
  transferTo: TransferTarget | null;
  reply: string | null;
  callback: { at: string; isReached: boolean; isResolved: boolean | null; satisfaction: Satisfaction | null } | null;
  rating: { level: number; comment: string | null; at: string } | null;
  closedAt: string | null;
  archivedAt: string | null;
  assignments: { unitCode: string; unitName: string; role: 'lead' | 'co'; isActive: boolean; signedAt: string | null; opinion: string | null }[];
  pendingRequests: PendingRequest[];
  events: { type: string; label: string; at: string; actorLabel: string | null; unitCode: string | null; data: Record<string, unknown> }[];
}

export interface InboxItem extends OrderSummary {
  myRole: 'lead' | 'co';
  pendingRequestKinds: string[];
}

export interface Duplicate {
  id: string;
  number: string;
  score: number;
  description: string;
  status: string;
  createdAt: string;
}

export interface IntakeSuggestions {
  dispatch: DispatchSuggestion;
  articles: { id: string; version: number; title: string; snippet: string }[];
  streetCode: string | null;
  categoryDefaultUnitCode: string | null;
  duplicates: Duplicate[];
}

export interface CallerHistory {
  callerPhoneMasked: string;
  orders: { id: string; number: string; kind: Kind; categoryName: string; description: string; status: string; statusLabel: string; createdAt: string }[];
}

export interface ReviewEntry {
  order: OrderSummary;
  request: PendingRequest;
}

export interface ReviewQueue {
  returns: ReviewEntry[];
  extensions: ReviewEntry[];
  coHandling: ReviewEntry[];
  merges: { order: OrderSummary; candidates: { id: string; number: string; score: number }[] }[];
}

/** What a citizen sees: progress only, no personal data. */
export interface Progress {
  number: string;
  kind: Kind;
  categoryName: string;
  status: string;
  statusLabel: string;
  isOpen: boolean;
  handlingUnitName: string | null;
  createdAt: string;
  finishDueOn: string | null;
  reply: string | null;
  timeline: { type: string; at: string; label: string }[];
  canRate: boolean;
  rating: { level: number; at: string } | null;
}

export interface ArticleHit {
  id: string;
  version: number;
  title: string;
  snippet: string;
}

export interface IntakeBody {
  kind: Kind;
  categoryCode: string;
  description: string;
  address?: string;
  attributes?: Record<string, string | number | string[]>;
  attachmentIds?: string[];
  caller?: { name?: string; phone?: string; isConfidential?: boolean };
}

/** One of the new orders a split makes (kind and address default to the original's). */
export interface SplitPart {
  description: string;
  categoryCode: string;
  kind?: Kind;
  address?: string;
}

export interface CreatedReply {
  id: string;
  number: string;
  status: string;
  created: boolean;
}

const enc = encodeURIComponent;
const act = <B>(id: string, action: string, body?: B) =>
  request<OrderDetail>('POST', `/api/hotline/orders/${enc(id)}/${action}`, body);

export const hotlineApi = {
  categories: () => request<{ items: Category[] }>('GET', '/api/hotline/categories'),
  lookupCaller: (phone: string) => request<CallerHistory>('POST', '/api/hotline/callers/lookup', { phone }),
  suggestions: (q: { text: string; address?: string; categoryCode?: string }) => {
    const params = new URLSearchParams({ text: q.text });
    if (q.address) params.set('address', q.address);
    if (q.categoryCode) params.set('categoryCode', q.categoryCode);
    return request<IntakeSuggestions>('GET', `/api/hotline/intake/suggestions?${params}`);
  },
  create: (body: IntakeBody) => request<CreatedReply>('POST', '/api/hotline/orders', body),
  order: (id: string) => request<OrderDetail>('GET', `/api/hotline/orders/${enc(id)}`),
  orders: (status: string, limit = 50) =>
    request<{ items: OrderSummary[]; total: number }>('GET', `/api/hotline/orders?status=${enc(status)}&limit=${limit}`),
  inbox: () => request<{ items: InboxItem[] }>('GET', '/api/hotline/inbox'),
  reviewQueue: () => request<ReviewQueue>('GET', '/api/hotline/review-queue'),
  articles: (q: string) =>
    request<{ items: ArticleHit[] }>('GET', `/api/knowledge/articles?q=${enc(q)}&limit=8`),
  article: (id: string) => request<{ current: { title: string; body: string; version: number } }>('GET', `/api/knowledge/articles/${enc(id)}`),

  dispatch: (id: string, leadUnitCode: string, note?: string) => act(id, 'dispatch', { leadUnitCode, ...(note ? { note } : {}) }),
  redispatch: (id: string, leadUnitCode: string, note?: string) => act(id, 'redispatch', { leadUnitCode, ...(note ? { note } : {}) }),
  rejectReturn: (id: string, note: string) => act(id, 'reject-return', { note }),
  approveExtension: (id: string, days?: number, note?: string) =>
    act(id, 'approve-extension', { ...(days ? { days } : {}), ...(note ? { note } : {}) }),
  refuseExtension: (id: string, note: string) => act(id, 'refuse-extension', { note }),
  addCoUnits: (id: string, unitCodes: string[], note?: string) => act(id, 'co-units', { unitCodes, ...(note ? { note } : {}) }),
  refuseCoHandling: (id: string, note: string) => act(id, 'refuse-co-handling', { note }),
  merge: (id: string, intoId: string, note?: string) => act(id, 'merge', { intoId, ...(note ? { note } : {}) }),
  split: (id: string, parts: SplitPart[], note?: string) =>
    request<{ items: { id: string; number: string }[] }>('POST', `/api/hotline/orders/${enc(id)}/split`, { parts, ...(note ? { note } : {}) }),
  transfer: (id: string, to: TransferTarget, note?: string) => act(id, 'transfer', { to, ...(note ? { note } : {}) }),
  urge: (id: string, note?: string) => act(id, 'urge', note ? { note } : {}),
  supervise: (id: string, level: number, note: string) => act(id, 'supervise', { level, note }),
  report: (id: string, note: string, to?: string) => act(id, 'report', { note, ...(to ? { to } : {}) }),
  redo: (id: string, note: string, leadUnitCode?: string) => act(id, 'redo', { note, ...(leadUnitCode ? { leadUnitCode } : {}) }),
  archive: (id: string) => act(id, 'archive'),
  /** The caller's full name and phone, for a stated reason (audited; refused to units when confidential). */
  revealCaller: (id: string, reason: string) =>
    request<{ name: string | null; phone: string | null }>('POST', `/api/hotline/orders/${enc(id)}/caller/reveal`, { reason }),
  answer: (id: string, answer: string, article?: { id: string; version: number }) =>
    act(id, 'answer', { answer, ...(article ? { article } : {}) }),
  callback: (id: string, body: { isReached: boolean; isResolved?: boolean; satisfaction?: Satisfaction; note?: string }) =>
    act(id, 'callback', body),
  close: (id: string, note?: string) => act(id, 'close', note ? { note } : {}),

  sign: (id: string) => act(id, 'sign'),
  start: (id: string) => act(id, 'start'),
  reply: (id: string, reply: string) => act(id, 'reply', { reply }),
  returnOrder: (id: string, body: { reason: string; basis: { kind: 'duty' | 'law'; citation: string }; suggestedUnitCode?: string }) =>
    act(id, 'return', body),
  requestExtension: (id: string, days: number, reason: string) => act(id, 'request-extension', { days, reason }),
  requestCoHandling: (id: string, unitCodes: string[], reason: string) => act(id, 'request-co-handling', { unitCodes, reason }),
  coReply: (id: string, opinion: string) => act(id, 'co-reply', { opinion }),

  // The shared request() sends no custom headers, so no Idempotency-Key: the page guards double submits.
  submitPublic: (body: IntakeBody & { caller: { name?: string; phone: string; isConfidential?: boolean } }) =>
    request<CreatedReply>('POST', '/api/hotline/public/orders', body),
  uploadPhoto: (file: File) => uploadRaw<Photo>('/api/hotline/public/photos', file),
  photoUrl: (orderId: string, photoId: string) => `/api/hotline/orders/${encodeURIComponent(orderId)}/photos/${encodeURIComponent(photoId)}`,
  track: (number: string, phone: string) => request<Progress>('POST', '/api/hotline/public/orders/lookup', { number, phone }),
  rate: (number: string, phone: string, level: number, comment?: string) =>
    request<Progress>('POST', '/api/hotline/public/orders/rate', { number, phone, level, ...(comment ? { comment } : {}) }),
};

export interface Photo {
  id: string;
  sha256: string;
  size: number;
  mediaType: string;
  fileName: string | null;
}

/** The knowledge-base snippet is escaped HTML with <mark>ed terms; render it as text parts, never as HTML. */
export function snippetParts(snippet: string): { text: string; isMark: boolean }[] {
  const decode = (s: string) => new DOMParser().parseFromString(s, 'text/html').documentElement.textContent ?? '';
  return snippet
    .split(/(<mark>.*?<\/mark>)/g)
    .filter(Boolean)
    .map((part) =>
      part.startsWith('<mark>') ? { text: decode(part.slice(6, -7)), isMark: true } : { text: decode(part), isMark: false },
    );
}

/** YYYY-MM-DD HH:mm in the reader's time zone (the district's, in practice). */
export function formatTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
