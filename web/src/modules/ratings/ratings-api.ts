// The ratings API, typed for the pages. Shapes follow src/modules/ratings/ratings.schemas.ts.
import { ApiError, request } from '../../api.ts';
import { t } from '../../i18n.ts';

export type Channel = 'web' | 'mobile' | 'qr' | 'tablet' | 'phone' | 'sms';
export type ObjectType = 'case' | 'work_order' | 'window' | 'staff' | 'item' | 'department';

export interface Indicator {
  code: string;
  name: string;
}

export interface RatingView {
  id: string;
  rateableId: string;
  objectType: ObjectType;
  objectName: string;
  channel: Channel;
  followUpNo: number;
  level: number;
  levelLabel: string;
  isBad: boolean;
  scores: Record<string, number>;
  comment: string | null;
  isValid: boolean;
  createdAt: string;
  review: { id: string; number: string; state: string; stateLabel: string } | null;
}

export interface RaterReview {
  id: string;
  number: string;
  ratingId: string;
  state: string;
  stateLabel: string;
  measures: string | null;
  explanation: string | null;
  feedbackNote: string | null;
  rerateLevel: number | null;
  canRerate: boolean;
}

export interface OccasionObject {
  rateableId: string;
  objectType: ObjectType;
  objectLabel: string;
  objectName: string;
  isPrimary: boolean;
  ratedChannels: Channel[];
}

export interface Occasion {
  id: string;
  kind: 'ticket' | 'work_order' | 'case';
  label: string;
  occurredAt: string;
  inviteCode?: string;
  objects: OccasionObject[];
  indicatorSet: { id: string; kind: string; version: number; indicators: Indicator[] };
  ratings: RatingView[];
  reviews: RaterReview[];
}

export interface RateBody {
  rateableId?: string;
  level: number;
  scores?: Record<string, number>;
  comment?: string;
  contactName?: string;
  contactPhone?: string;
  isFollowUp?: boolean;
}

export interface SummaryRow {
  key: string;
  name: string;
  ratings: number;
  goodCount: number;
  goodRate: number | null;
  badCount: number;
  rectifiedCount: number;
  rectificationRate: number | null;
  calledBackCount: number;
  callbackRate: number | null;
}

export interface Summary {
  by: string;
  from: string;
  to: string;
  formulas: Record<string, string>;
  total: Omit<SummaryRow, 'key' | 'name'>;
  items: SummaryRow[];
}

export interface ReviewSummary {
  id: string;
  number: string;
  state: string;
  stateLabel: string;
  level: number;
  levelLabel: string;
  channel: Channel;
  comment: string | null;
  objectType: ObjectType;
  objectName: string;
  occasionLabel: string;
  category: string | null;
  responsibleUnitCode: string | null;
  responsibleUnitName: string | null;
  stepDueOn: string | null;
  stepSignal: 'none' | 'warned' | 'overdue';
  escalationLevel: number;
  isRealName: boolean;
  ratedAt: string;
  updatedAt: string;
}

export interface ReviewDetail extends ReviewSummary {
  ratingId: string;
  scores: Record<string, number>;
  raterContact: { nameMasked: string | null; phoneMasked: string | null; hasAccount: boolean };
  callback: { at: string; isReached: boolean; note: string | null } | null;
  measures: string | null;
  explanation: string | null;
  feedbackNote: string | null;
  rerate: { level: number; levelLabel: string; comment: string | null; at: string } | null;
  appeal: { reason: string; statement: string | null; decisionNote: string | null } | null;
  reopenCount: number;
  closedAt: string | null;
  closeNote: string | null;
  allowedActions: string[];
  events: { type: string; label: string; at: string; fromState: string | null; toState: string | null; actorLabel: string | null; data: Record<string, unknown> }[];
}

/** The tablet authenticates with its pairing key, not a session. */
async function tabletRequest<T>(method: string, path: string, key: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { Accept: 'application/json', 'X-Tablet-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('NETWORK_ERROR', t('error.network'), 0);
  }
  const data = (await res.json().catch(() => undefined)) as { code?: string; message?: string } | undefined;
  if (res.ok) return data as T;
  if (data?.code && data.message) throw new ApiError(data.code, data.message, res.status);
  throw new ApiError(`HTTP_${res.status}`, t('error.unexpected', { status: res.status }), res.status);
}

export const ratingsApi = {
  invitation: (code: string) => request<Occasion>('GET', `/api/public/ratings/invitations/${encodeURIComponent(code)}`),
  rateByLink: (code: string, body: RateBody & { channel: Channel }) => request<RatingView>('POST', `/api/public/ratings/invitations/${encodeURIComponent(code)}/ratings`, body),
  rerateByLink: (code: string, reviewId: string, level: number, comment?: string) =>
    request<Occasion>('POST', `/api/public/ratings/invitations/${encodeURIComponent(code)}/reviews/${reviewId}/rerate`, { level, ...(comment ? { comment } : {}) }),
  mine: () => request<{ items: Occasion[] }>('GET', '/api/ratings/mine'),
  rateMine: (occasionId: string, body: RateBody & { channel: Channel }) => request<RatingView>('POST', `/api/ratings/mine/occasions/${occasionId}/ratings`, body),
  rerateMine: (reviewId: string, level: number, comment?: string) => request<Occasion>('POST', `/api/ratings/mine/reviews/${reviewId}/rerate`, { level, ...(comment ? { comment } : {}) }),
  tabletPrompt: (key: string) => tabletRequest<{ windowId: string; label: string; occasion: Occasion | null }>('GET', '/api/public/ratings/tablet/prompt', key),
  rateOnTablet: (key: string, body: RateBody & { occasionId: string }) => tabletRequest<RatingView>('POST', '/api/public/ratings/tablet/ratings', key, body),
  summary: (by: string, from?: string, to?: string) => {
    const q = new URLSearchParams({ by, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    return request<Summary>('GET', `/api/public/ratings/summary?${q}`);
  },
  reviews: (state?: string) => request<{ items: ReviewSummary[] }>('GET', `/api/ratings/reviews${state ? `?state=${state}` : ''}`),
  review: (id: string) => request<ReviewDetail>('GET', `/api/ratings/reviews/${id}`),
  act: (id: string, action: string, body: Record<string, unknown>) => request<ReviewDetail>('POST', `/api/ratings/reviews/${id}/${action.replace('_', '-')}`, body),
  revealRater: (id: string, reason: string) =>
    request<{ name: string | null; phone: string | null; accountName: string | null; accountPhoneMasked: string | null }>('POST', `/api/ratings/reviews/${id}/reveal-rater`, { reason }),
};

/** 0.9375 → "93.8%"; null → "—". */
export const percent = (v: number | null): string => (v === null ? '—' : `${(Math.round(v * 1000) / 10).toFixed(1)}%`);
