// Small helpers the hotline forms share.
import { ApiError } from '../../api.ts';
import { locale } from '../../i18n.ts';
import type { Open311Attribute } from './hotline-api.ts';
import { EVENT_EN, STATUS_EN } from './names-en.ts';

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

/** The server names statuses and events in Chinese; English readers get the English name. */
export const statusText = (status: string, serverLabel: string) =>
  locale.value === 'en' ? (STATUS_EN[status] ?? serverLabel) : serverLabel;

export const eventText = (type: string, serverLabel: string) =>
  locale.value === 'en' ? (EVENT_EN[type] ?? serverLabel) : serverLabel;
