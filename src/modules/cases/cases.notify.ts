import type { Queryable } from '../../platform/db.ts';
import { uuidv7 } from '../../platform/ids.ts';
import * as repo from './cases.repository.ts';

// Telling the applicant. Every notice lands in the in-app inbox (a table); SMS and email go through
// adapters. The development adapters only log what they would send, so nothing leaves the machine
// until a real gateway is configured. Notices are sent from a job driven by the outbox, never from
// inside the transaction of the change.

export interface OutboundMessage {
  to: string;
  title: string;
  body: string;
}

export interface MessageAdapter {
  readonly channel: 'sms' | 'email';
  send(message: OutboundMessage): Promise<void>;
}

export interface NoticeLog {
  info(obj: object, msg?: string): void;
}

/** Development SMS gateway: writes the message (with the number masked) to the log. */
export const loggingSms = (log: NoticeLog): MessageAdapter => ({
  channel: 'sms',
  async send(m) {
    log.info({ channel: 'sms', to: m.to.replace(/^(\d{3})\d+(\d{4})$/, '$1****$2'), title: m.title }, `[dev sms] ${m.body}`);
  },
});

export const loggingEmail = (log: NoticeLog): MessageAdapter => ({
  channel: 'email',
  async send(m) {
    log.info({ channel: 'email', to: m.to.replace(/^(.).*@/, '$1***@'), title: m.title }, `[dev email] ${m.body}`);
  },
});

export interface Notice {
  accountId: string | null;
  caseId: string;
  /** The outbox event it comes from, so a redelivered event sends nothing twice. */
  eventId: number | null;
  kind: string;
  title: string;
  body: string;
  /** The applicant's phone, decrypted just for sending. */
  phone?: string | null;
  email?: string | null;
}

export interface Notifier {
  notify(q: Queryable, notice: Notice, now: Date): Promise<void>;
}

export function createNotifier(adapters: { sms: MessageAdapter; email: MessageAdapter }): Notifier {
  return {
    async notify(q, n, now) {
      const row = { account_id: n.accountId, case_id: n.caseId, kind: n.kind, title: n.title, body: n.body, event_id: n.eventId, created_at: now };
      if (n.accountId) await repo.insertNotification(q, { ...row, id: uuidv7(), channel: 'inbox', status: 'stored' });
      for (const [adapter, to] of [[adapters.sms, n.phone], [adapters.email, n.email]] as const) {
        if (!to) continue;
        // Claim the (event, channel) first: a retried delivery finds it taken and does not resend.
        const id = uuidv7();
        if (!(await repo.insertNotification(q, { ...row, id, channel: adapter.channel, status: 'sent' }))) continue;
        try {
          await adapter.send({ to, title: n.title, body: n.body });
        } catch {
          await repo.markNotificationFailed(q, id);
        }
      }
    },
  };
}
