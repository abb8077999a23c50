// Small helpers the hotline forms share.
import { reactive } from 'vue';
import { ApiError } from '../../api.ts';
import { locale, t, type MessageKey } from '../../i18n.ts';
import type { Open311Attribute, OrderDetail } from './hotline-api.ts';
import { EVENT_EN, STATUS_EN } from './names-en.ts';

export const errorText = (err: unknown) => (err instanceof ApiError ? err.message : String(err));

/**
 * How the order page runs one action for its action components: one busy flag, one success message
 * (a message key given the order's number, or text made from the order), one error alert. Resolves
 * true when the action went through, so a form can clear itself.
 */
/**
 * Field errors of action forms: need() checks a required text (at least `min` characters, as the
 * server's schema asks), names the problem at the field and moves focus there.
 */
export function useFieldErrors() {
  const errors = reactive<Record<string, string>>({});
  function need(id: string, value: string, min = 1): boolean {
    const n = value.trim().length;
    if (n >= min) {
      delete errors[id];
      return true;
    }
    errors[id] = n === 0 ? t('hotline.field.required') : t('hotline.field.tooShort', { n: min });
    document.getElementById(id)?.focus();
    return false;
  }
  const clear = (id: string) => delete errors[id];
  return { errors, need, clear };
}

export type RunAction = (action: () => Promise<OrderDetail>, done: MessageKey | ((order: OrderDetail) => string)) => Promise<boolean>;

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
