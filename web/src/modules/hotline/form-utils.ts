// Small helpers the hotline forms share.
import { ApiError } from '../../api.ts';
import { locale } from '../../i18n.ts';
import type { Open311Attribute } from './hotline-api.ts';

export const errorText = (err: unknown) => (err instanceof ApiError ? err.message : String(err));

/** Drops empty answers and turns numbers back into numbers, as the API expects. */
export function attributeValues(
  defs: Open311Attribute[],
  values: Record<string, string | string[]>,
): Record<string, string | number | string[]> | undefined {
  const out: Record<string, string | number | string[]> = {};
  for (const d of defs) {
    const v = values[d.code];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[d.code] = d.datatype === 'number' && typeof v === 'string' ? Number(v) : v;
  }
  return Object.keys(out).length ? out : undefined;
}

const STATUS_EN: Record<string, string> = {
  created: 'Received',
  dispatched: 'Dispatched',
  signed: 'Signed for',
  in_progress: 'In progress',
  returned: 'Return under review',
  replied: 'Replied',
  callback: 'Called back',
  closed: 'Closed',
  archived: 'Archived',
  merged: 'Merged',
  split: 'Split',
  transferred: 'Transferred',
};

/** The server names statuses in Chinese; English readers get the English name. */
export const statusText = (status: string, serverLabel: string) =>
  locale.value === 'en' ? (STATUS_EN[status] ?? serverLabel) : serverLabel;
