import { Type } from 'typebox';
import { writeAudit } from '../../platform/audit.ts';
import { AppError } from '../../platform/errors.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { iso, type Ctx } from './hotline.reference.ts';
import * as repo from './hotline.repository.ts';
import type { WorkOrderPatch } from './hotline.repository.ts';
import { appendEvent, dispatchWorkOrder } from './hotline.service.ts';
import { DUPLICATE_THRESHOLD, matterSimilarity } from './hotline.similarity.ts';
import { isFinished } from './hotline.transitions.ts';
import { DAY_MS, DUPLICATE_WINDOW_DAYS, findDuplicates, REPEAT_WINDOW_DAYS } from './hotline.views.ts';

// The hotline's background work, all driven from the database so that a crash loses nothing:
//   - auto-dispatch: a new order the dispatch advisor was sure about is dispatched by the system. It
//     runs from the outbox event written with the order, so an order accepted just before a crash is
//     dispatched when a worker comes back.
//   - analyse-order: duplicate (merge) suggestions and repeat links for each new order.
//   - signal-deadlines: yellow warnings and red marks on sign and finish deadlines, every few minutes.

/**
 * After intake (a job): remembers open orders about the same matter as merge suggestions, and links
 * the order to an order of the same caller or place closed within 30 days as a repeat (重复诉求).
 */
export async function analyseWorkOrder(platform: Platform, orderId: string): Promise<void> {
  const order = await repo.findWorkOrder(platform.db, orderId);
  if (!order || isFinished(order.status)) return;
  const created = new Date(order.created_at);
  const duplicates = (
    await findDuplicates(platform, platform.db, { description: order.description, address: order.address, streetCode: order.street_code, since: new Date(created.getTime() - DUPLICATE_WINDOW_DAYS * DAY_MS), excludeId: order.id })
  ).filter(({ c }) => new Date(c.created_at).getTime() <= created.getTime());
  let repeat: { id: string; number: string; unitCode: string | null; score: number } | null = null;
  if (!order.repeat_of && (order.caller_phone_hash || order.street_code)) {
    const closed = await repo.closedOrdersForRepeat(platform.db, { since: new Date(created.getTime() - REPEAT_WINDOW_DAYS * DAY_MS), phoneHash: order.caller_phone_hash, streetCode: order.street_code, excludeId: order.id, limit: 100 });
    const best = closed
      .map((c) => ({ c, score: matterSimilarity(order, c) }))
      .filter((x) => x.score >= DUPLICATE_THRESHOLD)
      .sort((a, b) => b.score - a.score)[0];
    if (best) repeat = { id: best.c.id, number: best.c.number, unitCode: best.c.lead_unit_code, score: Math.round(best.score * 1000) / 1000 };
  }
  if (duplicates.length === 0 && !repeat) return;
  const now = platform.clock.now();
  const system: Ctx = { actor: { kind: 'system', label: 'hotline.analyse-order' } };
  await platform.db.tx(async (tx) => {
    const locked = await repo.findWorkOrder(tx, order.id, true);
    if (!locked) return;
    if (duplicates.length > 0) {
      const list = duplicates.map(({ c, score }) => ({ id: c.id, number: c.number, score: Math.round(score * 1000) / 1000 }));
      await repo.updateWorkOrder(tx, order.id, { duplicate_candidates: list, updated_at: now });
      await appendEvent(tx, order, { type: 'duplicates_found', from: locked.status, to: locked.status, unitCode: locked.lead_unit_code, data: { candidates: list }, now }, system.actor);
      await emit(tx, { topic: 'hotline.work_order.duplicates_found', key: order.id, at: now, payload: { orderId: order.id, candidates: list.map((d) => d.id) } });
      await writeAudit(tx, { ...system, action: 'hotline.work_order.duplicates_found', objectType: 'work_order', objectId: order.id, at: now, data: { candidates: list.map((d) => d.number) } });
    }
    if (repeat && !locked.repeat_of) {
      await repo.updateWorkOrder(tx, order.id, { repeat_of: repeat.id, updated_at: now });
      const data = { repeatOf: repeat.id, repeatOfNumber: repeat.number, repeatOfUnitCode: repeat.unitCode, score: repeat.score };
      await appendEvent(tx, order, { type: 'repeat_linked', from: locked.status, to: locked.status, unitCode: locked.lead_unit_code, data, now }, system.actor);
      await emit(tx, { topic: 'hotline.work_order.repeat_linked', key: order.id, at: now, payload: { orderId: order.id, repeatOf: repeat.id, repeatOfUnitCode: repeat.unitCode } });
      await writeAudit(tx, { ...system, action: 'hotline.work_order.repeat_linked', objectType: 'work_order', objectId: order.id, at: now, data });
    }
  });
}

/** The auto-dispatch job: dispatches an order the advisor was sure about, unless someone already acted. */
export async function autoDispatch(platform: Platform, orderId: string): Promise<'dispatched' | 'skipped'> {
  const order = await repo.findWorkOrder(platform.db, orderId);
  const top = order?.suggestion?.units[0];
  if (!order || order.status !== 'created' || !order.suggestion?.autoDispatch || !top) return 'skipped';
  const system: Ctx = { actor: { kind: 'system', label: 'hotline.auto-dispatch' } };
  try {
    await dispatchWorkOrder(platform, order.id, { leadUnitCode: top.unitCode, isAuto: true }, system);
    return 'dispatched';
  } catch (err) {
    // An unknown unit or an order someone dispatched meanwhile: leave it to the agent, do not retry.
    if (err instanceof AppError && err.status < 500 && err.code !== 'CALENDAR_YEAR_UNKNOWN') return 'skipped';
    throw err;
  }
}

// ---------------------------------------------------------------- deadline signals (job)

/** Yellow warnings and red marks for every order whose deadline needs one now; returns how many it wrote. */
export async function signalDeadlines(platform: Platform, batch = 200): Promise<number> {
  let written = 0;
  for (;;) {
    const now = platform.clock.now();
    const due = await repo.ordersDueForSignal(platform.db, now, batch);
    for (const { id } of due) {
      written += await platform.db.tx(async (tx) => {
        const o = await repo.findWorkOrder(tx, id, true);
        if (!o) return 0;
        const patch: WorkOrderPatch = {};
        const signals: { type: string; data: Record<string, unknown> }[] = [];
        const t = now.getTime();
        const past = (d: Date | null) => d !== null && t > new Date(d).getTime();
        const reached = (d: Date | null) => d !== null && t >= new Date(d).getTime();
        if (o.status === 'dispatched' && o.sign_signal !== 'overdue') {
          if (past(o.sign_due_at)) {
            patch.sign_signal = 'overdue';
            signals.push({ type: 'sign_overdue', data: { signDueAt: iso(o.sign_due_at) } });
          } else if (o.sign_signal === 'none' && reached(o.sign_warn_at)) {
            patch.sign_signal = 'warned';
            signals.push({ type: 'sign_warned', data: { signDueAt: iso(o.sign_due_at) } });
          }
        }
        if (['dispatched', 'signed', 'in_progress'].includes(o.status) && o.finish_signal !== 'overdue') {
          if (past(o.finish_due_at)) {
            patch.finish_signal = 'overdue';
            signals.push({ type: 'finish_overdue', data: { finishDueAt: iso(o.finish_due_at) } });
          } else if (o.finish_signal === 'none' && reached(o.finish_warn_at)) {
            patch.finish_signal = 'warned';
            signals.push({ type: 'finish_warned', data: { finishDueAt: iso(o.finish_due_at) } });
          }
        }
        if (signals.length === 0) return 0;
        const system: Ctx = { actor: { kind: 'system', label: 'hotline.signal-deadlines' } };
        await repo.updateWorkOrder(tx, o.id, { ...patch, updated_at: now });
        for (const s of signals) {
          await appendEvent(tx, o, { type: s.type, from: o.status, to: o.status, unitCode: o.lead_unit_code, data: s.data, now }, system.actor);
          await emit(tx, { topic: `hotline.work_order.${s.type}`, key: o.id, at: now, payload: { orderId: o.id, number: o.number, unitCode: o.lead_unit_code, ...s.data } });
        }
        await writeAudit(tx, { ...system, action: 'hotline.work_order.deadline_signal', objectType: 'work_order', objectId: o.id, at: now, data: { signals: signals.map((s) => s.type) } });
        return signals.length;
      });
    }
    if (due.length < batch) return written;
  }
}

// ---------------------------------------------------------------- registration

export const SIGNAL_DEADLINES_EVERY_SECONDS = 300;

const orderIdOf = (payload: Record<string, unknown>) => (typeof payload.orderId === 'string' ? payload.orderId : null);

export function registerHotlineJobs(platform: Platform) {
  platform.jobs.subscribe('hotline.work_order.created', 'hotline.auto-dispatch', async (event) => {
    const id = orderIdOf(event.payload);
    if (id && event.payload.isAutoDispatch === true) await autoDispatch(platform, id);
  });
  platform.jobs.subscribe('hotline.work_order.created', 'hotline.analyse-order', async (event) => {
    const id = orderIdOf(event.payload);
    if (id) await analyseWorkOrder(platform, id);
  });
  const signal = defineJob({
    name: 'hotline.signal-deadlines',
    payload: Type.Object({}),
    singleton: true,
    handler: async () => {
      await signalDeadlines(platform);
    },
  });
  platform.jobs.schedule(signal, SIGNAL_DEADLINES_EVERY_SECONDS);
}
