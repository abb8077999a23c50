import Type from 'typebox';
import type { Queryable, Tx } from '../db.ts';
import { AppError } from '../errors.ts';
import { uuidv7 } from '../ids.ts';
import * as repo from './jobs.repository.ts';

// Transactional outbox. A service writes its change, its audit row and its event in one transaction
// with `emit(tx, …)`; nothing is sent from inside the transaction. The relay (run by the worker)
// later turns each event into one delivery job per matching subscriber, so each subscriber gets the
// event at least once, retries on its own and cannot hold up the others.

export interface OutboxEvent {
  id: number;
  topic: string;
  key: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export type OutboxRow = repo.OutboxRow;

/** 'module.object.past_tense_verb', e.g. 'hotline.work_order.dispatched'. */
const TOPIC = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** Like a topic, but a segment may be '*': one or more whole segments. */
const PATTERN = /^([a-z][a-z0-9_]*|\*)(\.([a-z][a-z0-9_]*|\*))*$/;

export async function emit(
  tx: Tx,
  event: { topic: string; key?: string; payload: object; at?: Date },
): Promise<number> {
  return (await emitMany(tx, [event]))[0]!;
}

/** Several events in one INSERT (a batch of changes in one transaction); their ids, in order. */
export async function emitMany(
  tx: Tx,
  events: { topic: string; key?: string; payload: object; at?: Date }[],
): Promise<number[]> {
  for (const event of events) {
    if (!TOPIC.test(event.topic)) {
      throw new AppError('OUTBOX_TOPIC_INVALID', `Event topic "${event.topic}" must look like module.object.verb_past`);
    }
    if (event.payload === null || typeof event.payload !== 'object' || Array.isArray(event.payload)) {
      throw new AppError('OUTBOX_PAYLOAD_INVALID', `The payload of event ${event.topic} must be a JSON object`);
    }
  }
  if (events.length === 0) return [];
  return repo.insertOutbox(
    tx,
    events.map((event) => ({ topic: event.topic, key: event.key ?? null, payload: event.payload, createdAt: event.at ?? new Date() })),
  );
}

/** 'hotline.*' matches 'hotline.work_order.dispatched'; '*.work_order.*' matches any module's work orders. */
export function topicMatcher(pattern: string): RegExp {
  if (!PATTERN.test(pattern)) {
    throw new AppError('OUTBOX_PATTERN_INVALID', `Topic pattern "${pattern}" must be dot-separated names or *`);
  }
  const body = pattern
    .split('.')
    .map((seg) => (seg === '*' ? '[^.]+(?:\\.[^.]+)*' : seg))
    .join('\\.');
  return new RegExp(`^${body}$`);
}

/** What a delivery job carries: the whole event, so the handler needs no second read. */
export const OutboxDelivery = Type.Object({
  eventId: Type.Integer(),
  topic: Type.String(),
  key: Type.Union([Type.String(), Type.Null()]),
  payload: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
});

export interface Subscriber {
  pattern: string;
  name: string;
  /** The job that delivers to this subscriber. */
  jobName: string;
  matcher: RegExp;
}

export const deliveryJobName = (subscriber: string) => `outbox:${subscriber}`;

/**
 * Relays up to `limit` unrelayed events in id order: enqueues their deliveries and marks them relayed,
 * all in `tx`. Returns how many events it took. Deliveries are unique per (subscriber, event), so a
 * repeated relay cannot deliver twice.
 */
export async function relayOutbox(tx: Tx, subscribers: Subscriber[], now: Date, limit: number): Promise<number> {
  const rows = await repo.lockUnrelayed(tx, limit);
  const jobs: repo.NewJob[] = [];
  const relayed: { id: number; deliveries: number }[] = [];
  for (const row of rows) {
    let deliveries = 0;
    for (const s of subscribers) {
      if (!s.matcher.test(row.topic)) continue;
      deliveries++;
      jobs.push({
        id: uuidv7(),
        name: s.jobName,
        payload: {
          eventId: row.id,
          topic: row.topic,
          key: row.key,
          payload: row.payload,
          createdAt: new Date(row.createdAt).toISOString(),
        },
        runAt: now,
        priority: 0,
        singletonKey: null,
        dedupeKey: String(row.id),
        createdAt: now,
      });
    }
    relayed.push({ id: row.id, deliveries });
  }
  await repo.insertJobs(tx, jobs);
  await repo.markRelayed(tx, relayed, now);
  return rows.length;
}

/** Admin view: newest first, page with `beforeId`. */
export function listOutbox(
  q: Queryable,
  filter?: { topic?: string; isRelayed?: boolean; beforeId?: number; limit?: number },
): Promise<OutboxRow[]> {
  return repo.listOutbox(q, filter);
}

/** Admin view: how many events wait for the relay, and since when. */
export function countOutbox(q: Queryable): Promise<{ unrelayed: number; relayed: number; oldestUnrelayedAt: Date | null }> {
  return repo.countOutbox(q);
}
