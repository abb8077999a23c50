// Wording the case pages share: states, actions and timeline events in the reader's language (the
// server names them in Chinese), error text, dates, and what a deadline badge says.
import { ApiError } from '../../api.ts';
import { locale, t, type MessageKey } from '../../i18n.ts';
import zhCN from '../../locales/zh-CN.ts';
import type { CaseState, WarningLevel } from './cases-api.ts';

const has = (key: string): key is MessageKey => key in zhCN;

export const errorText = (err: unknown) => (err instanceof ApiError ? err.message : String(err));

/** The state's name; the server's Chinese label when the page has no translation for it. */
export const stateText = (state: CaseState | string, serverLabel = state) => (has(`cases.state.${state}`) ? t(`cases.state.${state}` as MessageKey) : serverLabel);

/** A timeline event's name: transitions and the few extra events the server records. */
export const eventText = (action: string, serverLabel: string) => (locale.value !== 'zh-CN' && has(`cases.event.${action}`) ? t(`cases.event.${action}` as MessageKey) : serverLabel);

export const formatTime = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(locale.value === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' }) : '—';

export const formatSize = (bytes: number | null | undefined) =>
  bytes == null ? '' : bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export interface BadgeInput {
  warningLevel: WarningLevel;
  isOverdue: boolean;
  dueOn: string | null;
  remaining?: number | null;
}

/** The class and words of a deadline badge; colour is never the only cue. */
export function badgeOf(b: BadgeInput): { tone: 'none' | 'ok' | 'yellow' | 'red' | 'overdue' | 'paused'; text: string } | null {
  if (b.isOverdue) return { tone: 'overdue', text: t('cases.badge.overdue', { date: b.dueOn ?? '—' }) };
  switch (b.warningLevel) {
    case 'paused':
      return { tone: 'paused', text: t('cases.badge.paused') };
    case 'red':
      return { tone: 'red', text: t('cases.badge.red', { date: b.dueOn ?? '—' }) };
    case 'yellow':
      return { tone: 'yellow', text: b.remaining != null ? t('cases.badge.yellowDays', { n: b.remaining }) : t('cases.badge.yellow', { date: b.dueOn ?? '—' }) };
    case 'green':
      return { tone: 'ok', text: b.remaining != null ? t('cases.badge.greenDays', { n: b.remaining }) : t('cases.badge.green', { date: b.dueOn ?? '—' }) };
    default:
      return null;
  }
}

/** Items of the power list read "准予"/"不予"; bundles may be partly granted. */
export const decisionText = (d: string | null | undefined) => (d && has(`cases.decision.${d}`) ? t(`cases.decision.${d}` as MessageKey) : (d ?? ''));

export const channelText = (c: string) => (has(`cases.channel.${c}`) ? t(`cases.channel.${c}` as MessageKey) : c);

export const deliveryText = (m: string | null | undefined) => (m && has(`cases.delivery.${m}`) ? t(`cases.delivery.${m}` as MessageKey) : (m ?? ''));

export const isFinalState = (s: CaseState) => ['not_accepted', 'completed', 'delivered', 'withdrawn', 'terminated'].includes(s);
