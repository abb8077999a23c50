import { writeAudit } from '../../platform/audit.ts';
import { parseResidentId } from '../../platform/crypto/identity-numbers.ts';
import type { Tx } from '../../platform/db.ts';
import { AppError, badRequest, conflict, forbidden, notFound, sqlState } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import * as hallsRepo from './halls.repository.ts';
import { assertMayAct, requireHall, requireService, toWindow, type Ctx } from './halls.service.ts';
import { signalHall } from './hall-feed.ts';
import {
  ageOn,
  chinaDay,
  estimateWaitMinutes,
  formatNumber,
  isIssuingOpen,
  nextState,
  OPEN_STATES,
  priorityOf,
  strongerReason,
  type PriorityReason,
  type TicketAction,
  type TicketState,
} from './queue.rules.ts';
import type { IssuedTicket, Ticket, TransferBody } from './queue.schemas.ts';
import * as repo from './tickets.repository.ts';

// Tickets: issuing numbers (kiosk, phone, counter, appointment check-in) and everything a window
// does with them. Every state change closes the ticket's open period and opens the next one in the
// same transaction as the change, its audit row and its event.

export function toTicket(t: repo.TicketView): Ticket {
  return {
    id: t.id,
    hallId: t.hall_id,
    day: t.day,
    number: t.display_number,
    serviceId: t.service_id,
    serviceName: t.service_name,
    channel: t.channel,
    state: t.state,
    priority: t.priority,
    priorityReason: t.priority_reason,
    windowId: t.window_id,
    windowNumber: t.window_number,
    targetWindowId: t.target_window_id,
    appointmentId: t.appointment_id,
    callCount: t.call_count,
    issuedAt: t.issued_at.toISOString(),
    queuedAt: t.queued_at.toISOString(),
    finishedAt: t.finished_at?.toISOString() ?? null,
  };
}

export async function getTicket(platform: Platform, id: string): Promise<Ticket> {
  const t = await repo.findTicket(platform.db, id);
  if (!t) throw notFound('TICKET_NOT_FOUND', `没有这个号 (no ticket ${id})`);
  return toTicket(t);
}

// ---------- issuing ----------

export type Channel = repo.TicketRow['channel'];

export interface IssueInput {
  hallId: string;
  serviceId: string;
  channel: Channel;
  idNumber?: string;
  accountId?: string;
  /** Staff only: disabled or key-project green channel. */
  greenChannel?: PriorityReason;
}

/** The green channel an ID number earns on a day (the elderly), or null. Invalid numbers are refused. */
export function elderlyReason(idNumber: string | undefined, day: string, elderlyAge: number, now: Date): PriorityReason | null {
  if (idNumber === undefined) return null;
  const id = parseResidentId(idNumber, now);
  if (!id.ok) throw badRequest(id.code, id.message);
  return ageOn(id.birthDate, day) >= elderlyAge ? 'elderly' : null;
}

async function assertHallOpen(platform: Platform, hall: hallsRepo.HallRow, now: Date): Promise<string> {
  const day = chinaDay(now);
  if (!(await platform.calendar.isWorkingDay(day)) || !isIssuingOpen(hall.opening_hours, now)) {
    const hours = hall.opening_hours.map((h) => `${h.from}–${h.to}`).join('、');
    throw conflict('HALL_CLOSED', `${hall.name}现在不办公，办公时间为工作日 ${hours} (the hall is closed now)`);
  }
  return day;
}

/**
 * Issues the next number of the service's range and puts the ticket in the queue, inside `tx`
 * (check-in issues inside the appointment's transaction). The caller writes its own audit row.
 */
export async function issueInTx(
  tx: Tx,
  hall: hallsRepo.HallRow,
  service: hallsRepo.ServiceRow,
  opts: { channel: Channel; day: string; now: Date; reason: PriorityReason | null; accountId?: string | null; appointmentId?: string | null },
): Promise<repo.TicketRow> {
  const range = await hallsRepo.pickRange(tx, service.id, opts.channel === 'appointment' ? 'appointment' : 'walk_in');
  if (!range) throw conflict('NUMBER_RANGE_MISSING', `${service.name}没有号段 (the service has no number range)`);
  const n = await repo.allocateNumber(tx, range, opts.day);
  if (n === null) {
    throw conflict('NUMBER_RANGE_EXHAUSTED', `${service.name}今日号码已发完 (${range.prefix}${range.first_number}–${range.last_number} are all issued today)`);
  }
  const ticket: repo.TicketRow = {
    id: uuidv7(),
    hall_id: hall.id,
    day: opts.day,
    service_id: service.id,
    first_service_id: service.id,
    range_id: range.id,
    number: n,
    display_number: formatNumber(range.prefix, n, range.last_number),
    channel: opts.channel,
    appointment_id: opts.appointmentId ?? null,
    account_id: opts.accountId ?? null,
    priority: priorityOf(opts.reason),
    priority_reason: opts.reason,
    state: 'waiting',
    window_id: null,
    target_window_id: null,
    staff_account_id: null,
    call_count: 0,
    issued_at: opts.now,
    queued_at: opts.now,
    first_called_at: null,
    finished_at: null,
    services_delivered: null,
    end_reason: null,
  };
  await repo.insertTicket(tx, ticket);
  await repo.openPeriod(tx, { ticketId: ticket.id, hallId: hall.id, serviceId: service.id, windowId: null, staffId: null, state: 'waiting', at: opts.now });
  await repo.insertHallEvent(tx, { hall_id: hall.id, at: opts.now, kind: 'issued', ticket_id: ticket.id, display_number: ticket.display_number, window_number: null, window_name: null, service_name: service.name });
  await emit(tx, {
    topic: 'queue.ticket.issued',
    key: ticket.id,
    payload: { ticketId: ticket.id, hallId: hall.id, serviceId: service.id, number: ticket.display_number, channel: ticket.channel, priorityReason: ticket.priority_reason, appointmentId: ticket.appointment_id },
    at: opts.now,
  });
  return ticket;
}

/** Where a ticket stands: tickets ahead of it in its service, and the minutes that makes. */
export async function standingOf(platform: Platform, t: repo.TicketView): Promise<{ ahead: number; estimatedWaitMinutes: number }> {
  if (t.state !== 'waiting') return { ahead: 0, estimatedWaitMinutes: 0 };
  const db = platform.db;
  const service = (await hallsRepo.findService(db, t.service_id))!;
  const since = new Date(platform.clock.now().getTime() - 3 * 3600_000);
  const [ahead, windows, samples] = await Promise.all([
    repo.countAhead(db, t.service_id, t.day, t.priority, t.queued_at, t.id),
    hallsRepo.countOpenWindowsServing(db, t.service_id),
    repo.recentHandlingSeconds(db, t.service_id, since, 20),
  ]);
  return {
    ahead,
    // Its own turn too: with nobody ahead it still waits for a window to finish.
    estimatedWaitMinutes: estimateWaitMinutes({ ahead, openWindows: windows, recentHandlingSeconds: samples, defaultHandlingMinutes: service.handling_minutes }),
  };
}

// A kiosk needs no sign-in; this keeps one address from draining a day's numbers.
const KIOSK_LIMIT = { perMinute: 60 };
const kioskHits = new WeakMap<Platform, Map<string, number[]>>();
function throttleKiosk(platform: Platform, ip: string | undefined): void {
  if (!ip) return;
  let hits = kioskHits.get(platform);
  if (!hits) kioskHits.set(platform, (hits = new Map()));
  const now = platform.clock.now().getTime();
  const recent = (hits.get(ip) ?? []).filter((t) => t > now - 60_000);
  if (recent.length >= KIOSK_LIMIT.perMinute) throw new AppError('TICKET_RATE_LIMITED', '取号过于频繁，请稍后再试 (too many tickets from this device)', 429);
  recent.push(now);
  hits.set(ip, recent);
  if (hits.size > 10_000) hits.clear();
}

export async function issueTicket(platform: Platform, input: IssueInput, ctx: Ctx): Promise<IssuedTicket> {
  const now = platform.clock.now();
  const hall = await requireHall(platform.db, input.hallId);
  const service = await requireService(platform.db, input.serviceId, hall.id);
  if (input.channel === 'counter') assertMayAct(ctx, 'hall:use', hall);
  if (input.greenChannel && input.channel !== 'counter') {
    throw forbidden('GREEN_CHANNEL_STAFF_ONLY', '绿色通道请到导办台由工作人员办理 (only staff grant the green channel)');
  }
  const day = await assertHallOpen(platform, hall, now);
  const reason = strongerReason(elderlyReason(input.idNumber, day, hall.elderly_age, now), input.greenChannel ?? null);
  if (input.channel === 'kiosk') throttleKiosk(platform, ctx.ip);
  let ticket: repo.TicketRow;
  try {
    ticket = await platform.db.tx(async (tx) => {
      const t = await issueInTx(tx, hall, service, { channel: input.channel, day, now, reason, accountId: input.accountId ?? null });
      await writeAudit(tx, {
        ...ctx, at: now, action: 'queue.ticket.issue', objectType: 'ticket', objectId: t.id, orgUnitId: hall.org_unit_id,
        data: { number: t.display_number, serviceId: service.id, channel: t.channel, priorityReason: t.priority_reason },
      });
      return t;
    });
  } catch (err) {
    if (sqlState(err) === '23505') throw conflict('TICKET_ALREADY_ACTIVE', '您在本大厅已有一个未办结的号 (you already hold a ticket in this hall)');
    throw err;
  }
  signalHall(platform, hall.id);
  const view = (await repo.findTicket(platform.db, ticket.id))!;
  return { ticket: toTicket(view), hallName: hall.name, ...(await standingOf(platform, view)) };
}

/** The caller's own tickets today, with where each stands. */
export async function myTickets(platform: Platform, accountId: string): Promise<IssuedTicket[]> {
  const rows = await repo.listTicketsOfAccount(platform.db, accountId, chinaDay(platform.clock.now()));
  const out: IssuedTicket[] = [];
  for (const r of rows) {
    const hall = (await hallsRepo.findHall(platform.db, r.hall_id))!;
    out.push({ ticket: toTicket(r), hallName: hall.name, ...(await standingOf(platform, r)) });
  }
  return out;
}

// ---------- windows ----------

const staffOf = (ctx: Ctx) => (ctx.actor.kind === 'user' || ctx.actor.kind === 'token' ? ctx.actor.id ?? null : null);

/** Locks the window for an action and checks the caller may act there. */
async function windowForAction(tx: Tx, windowId: string, ctx: Ctx, opts: { mustBeOpen: boolean }) {
  const w = await hallsRepo.lockWindow(tx, windowId);
  if (!w || !w.is_active) throw notFound('WINDOW_NOT_FOUND', `没有这个窗口 (no window ${windowId})`);
  const hall = (await hallsRepo.findHall(tx, w.hall_id))!;
  assertMayAct(ctx, 'hall:use', hall);
  const staff = staffOf(ctx);
  if (opts.mustBeOpen) {
    if (!w.staff_account_id) throw conflict('WINDOW_NOT_OPEN', `${w.number} 号窗口未开窗，请先开窗 (open the window first)`);
    if (staff && w.staff_account_id !== staff) throw conflict('WINDOW_TAKEN', `${w.number} 号窗口由${w.staff_name ?? '其他人员'}使用中 (another clerk works at this window)`);
  }
  return { window: w, hall, staff };
}

export async function openWindow(platform: Platform, windowId: string, ctx: Ctx) {
  const now = platform.clock.now();
  const staff = staffOf(ctx);
  if (!staff) throw badRequest('WINDOW_STAFF_REQUIRED', 'a window is opened by a signed-in clerk');
  const w = await platform.db.tx(async (tx) => {
    const { window: w, hall } = await windowForAction(tx, windowId, ctx, { mustBeOpen: false });
    if (w.staff_account_id && w.staff_account_id !== staff) {
      throw conflict('WINDOW_TAKEN', `${w.number} 号窗口由${w.staff_name ?? '其他人员'}使用中，请对方先关窗 (another clerk works at this window)`);
    }
    if (w.staff_account_id === staff) return w; // already open: nothing changes
    await hallsRepo.setWindowStaff(tx, w.id, { accountId: staff, name: ctx.actor.label ?? '', at: now });
    await repo.insertHallEvent(tx, { hall_id: hall.id, at: now, kind: 'window_opened', ticket_id: null, display_number: null, window_number: w.number, window_name: w.name, service_name: null });
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.window.open', objectType: 'hall_window', objectId: w.id, orgUnitId: hall.org_unit_id, data: { number: w.number } });
    return w;
  });
  signalHall(platform, w.hall_id);
  return windowView(platform, windowId);
}

export async function closeWindow(platform: Platform, windowId: string, ctx: Ctx) {
  const now = platform.clock.now();
  const w = await platform.db.tx(async (tx) => {
    const { window: w, hall } = await windowForAction(tx, windowId, ctx, { mustBeOpen: true });
    const busy = (await repo.ticketsAtWindow(tx, w.id)).filter((t) => t.state !== 'held');
    if (busy.length) throw conflict('WINDOW_BUSY', `${w.number} 号窗口还有正在办理的 ${busy[0]!.display_number} 号 (finish, skip or transfer it first)`);
    await hallsRepo.setWindowStaff(tx, w.id, null);
    await repo.insertHallEvent(tx, { hall_id: hall.id, at: now, kind: 'window_closed', ticket_id: null, display_number: null, window_number: w.number, window_name: w.name, service_name: null });
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.window.close', objectType: 'hall_window', objectId: w.id, orgUnitId: hall.org_unit_id, data: { number: w.number } });
    return w;
  });
  signalHall(platform, w.hall_id);
  return windowView(platform, windowId);
}

async function windowView(platform: Platform, windowId: string) {
  const w = (await hallsRepo.findWindow(platform.db, windowId))!;
  return toWindow(w, (await hallsRepo.listProfiles(platform.db, w.hall_id)).filter((p) => p.window_id === w.id));
}

// ---------- calling ----------

type Moved = { ticket: repo.TicketRow; hall: hallsRepo.HallRow; window: hallsRepo.WindowRow | null };

/** Closes the ticket's open period, opens the next (unless the ticket ends) and updates the row. */
async function moveTicket(
  tx: Tx,
  t: repo.TicketRow,
  action: TicketAction,
  now: Date,
  next: { windowId: string | null; staffId: string | null; serviceId?: string; set?: Partial<repo.TicketRow> },
): Promise<TicketState> {
  const to = nextState(t.state, action, t.display_number);
  if (action !== 'recall') {
    await repo.closePeriod(tx, t.id, now, action);
    if (OPEN_STATES.includes(to)) {
      await repo.openPeriod(tx, { ticketId: t.id, hallId: t.hall_id, serviceId: next.serviceId ?? t.service_id, windowId: next.windowId, staffId: next.staffId, state: to, at: now });
    }
  }
  await repo.updateTicket(tx, t.id, { state: to, ...next.set });
  return to;
}

const displayEvent = (hall: hallsRepo.HallRow, w: hallsRepo.WindowRow | null, t: repo.TicketRow, kind: string, serviceName: string | null, at: Date) => ({
  hall_id: hall.id, at, kind, ticket_id: t.id, display_number: t.display_number, window_number: w?.number ?? null, window_name: w?.name ?? null, service_name: serviceName,
});

async function assertWindowServes(tx: Tx, w: hallsRepo.WindowRow, t: repo.TicketRow, serviceId = t.service_id) {
  const profile = await hallsRepo.findProfile(tx, w.id, serviceId);
  if (!profile) {
    const service = await hallsRepo.findService(tx, serviceId);
    throw conflict('WINDOW_SERVICE_MISMATCH', `${w.number} 号窗口不办理“${service?.name ?? serviceId}” (this window does not serve the ticket's service)`);
  }
}

async function call(platform: Platform, windowId: string, ctx: Ctx, pick: (tx: Tx, w: hallsRepo.WindowRow, hall: hallsRepo.HallRow) => Promise<repo.TicketRow | undefined>) {
  const now = platform.clock.now();
  const day = chinaDay(now);
  const moved = await platform.db.tx(async (tx): Promise<Moved | null> => {
    const { window: w, hall, staff } = await windowForAction(tx, windowId, ctx, { mustBeOpen: true });
    const current = (await repo.ticketsAtWindow(tx, w.id)).find((t) => t.state === 'called' || t.state === 'serving');
    if (current) throw conflict('WINDOW_BUSY', `${w.number} 号窗口的 ${current.display_number} 号还未办结 (finish, skip or transfer it first)`);
    const t = await pick(tx, w, hall);
    if (!t) return null;
    if (t.hall_id !== hall.id || t.day !== day) throw conflict('TICKET_NOT_IN_QUEUE', `${t.display_number} 不在本大厅今天的队列中`);
    await moveTicket(tx, t, 'call', now, {
      windowId: w.id, staffId: staff,
      set: { window_id: w.id, staff_account_id: staff, call_count: t.call_count + 1, first_called_at: t.first_called_at ?? now, target_window_id: null },
    });
    const service = (await hallsRepo.findService(tx, t.service_id))!;
    await repo.insertHallEvent(tx, displayEvent(hall, w, t, 'called', service.name, now));
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.ticket.call', objectType: 'ticket', objectId: t.id, orgUnitId: hall.org_unit_id, data: { number: t.display_number, window: w.number } });
    await emit(tx, { topic: 'queue.ticket.called', key: t.id, payload: { ticketId: t.id, hallId: hall.id, number: t.display_number, windowId: w.id, windowNumber: w.number, staffAccountId: staff }, at: now });
    return { ticket: t, hall, window: w };
  });
  if (!moved) return null;
  signalHall(platform, moved.hall.id);
  return getTicket(platform, moved.ticket.id);
}

/** Calls the next ticket for the window: by priority, then the window's work profile, then waiting time. */
export const callNext = (platform: Platform, windowId: string, ctx: Ctx) =>
  call(platform, windowId, ctx, (tx, w, hall) => repo.lockNextTicket(tx, w.id, hall.id, chinaDay(platform.clock.now())));

/** Calls one waiting ticket out of turn (it must be of a service the window serves). */
export const callTicket = (platform: Platform, windowId: string, ticketId: string, ctx: Ctx) =>
  call(platform, windowId, ctx, async (tx, w) => {
    const t = await repo.lockTicket(tx, ticketId);
    if (!t) throw notFound('TICKET_NOT_FOUND', `no ticket ${ticketId}`);
    nextState(t.state, 'call', t.display_number);
    if (t.target_window_id && t.target_window_id !== w.id) throw conflict('WINDOW_SERVICE_MISMATCH', `${t.display_number} 已转到其他窗口 (transferred to another window)`);
    await assertWindowServes(tx, w, t);
    return t;
  });

/**
 * Runs an action on a ticket at its window: locks the window, then the ticket (the order call-next
 * uses too), and checks the caller works at that window.
 */
async function atWindow<T>(
  platform: Platform,
  ticketId: string,
  action: TicketAction,
  ctx: Ctx,
  fn: (tx: Tx, t: repo.TicketRow, w: hallsRepo.WindowRow, hall: hallsRepo.HallRow, staff: string | null, now: Date) => Promise<T>,
): Promise<{ result: T; hallId: string }> {
  const now = platform.clock.now();
  const first = await repo.findTicket(platform.db, ticketId);
  if (!first) throw notFound('TICKET_NOT_FOUND', `没有这个号 (no ticket ${ticketId})`);
  if (!first.window_id) nextState(first.state, action, first.display_number); // a waiting ticket is at no window
  return platform.db.tx(async (tx) => {
    const { window: w, hall, staff } = await windowForAction(tx, first.window_id!, ctx, { mustBeOpen: true });
    const t = (await repo.lockTicket(tx, ticketId))!;
    if (t.window_id !== w.id) throw conflict('TICKET_STATE_INVALID', `${t.display_number} 已不在 ${w.number} 号窗口 (the ticket moved meanwhile)`);
    return { result: await fn(tx, t, w, hall, staff, now), hallId: hall.id };
  });
}

async function simpleAction(platform: Platform, ticketId: string, action: 'recall' | 'start' | 'skip' | 'hold' | 'resume', ctx: Ctx): Promise<Ticket> {
  const { hallId } = await atWindow(platform, ticketId, action, ctx, async (tx, t, w, hall, staff, now) => {
    const set: Partial<repo.TicketRow> = {};
    if (action === 'recall') set.call_count = t.call_count + 1;
    if (action === 'skip') Object.assign(set, { end_reason: 'no_show', finished_at: now });
    if (action === 'resume') {
      const busy = (await repo.ticketsAtWindow(tx, w.id)).find((x) => x.id !== t.id && (x.state === 'called' || x.state === 'serving'));
      if (busy) throw conflict('WINDOW_BUSY', `${w.number} 号窗口正在办理 ${busy.display_number} 号 (finish it first)`);
    }
    await moveTicket(tx, t, action, now, { windowId: w.id, staffId: staff, set });
    const kind = { recall: 'recalled', start: 'serving', skip: 'skipped', hold: null, resume: 'serving' }[action];
    const service = (await hallsRepo.findService(tx, t.service_id))!;
    if (kind) await repo.insertHallEvent(tx, displayEvent(hall, w, t, kind, service.name, now));
    await writeAudit(tx, { ...ctx, at: now, action: `queue.ticket.${action}`, objectType: 'ticket', objectId: t.id, orgUnitId: hall.org_unit_id, data: { number: t.display_number, window: w.number } });
    if (action === 'skip') {
      await emit(tx, { topic: 'queue.ticket.skipped', key: t.id, payload: { ticketId: t.id, hallId: hall.id, number: t.display_number, windowId: w.id, appointmentId: t.appointment_id }, at: now });
    }
  });
  signalHall(platform, hallId);
  return getTicket(platform, ticketId);
}

export const recallTicket = (p: Platform, id: string, ctx: Ctx) => simpleAction(p, id, 'recall', ctx);
export const startServing = (p: Platform, id: string, ctx: Ctx) => simpleAction(p, id, 'start', ctx);
export const skipTicket = (p: Platform, id: string, ctx: Ctx) => simpleAction(p, id, 'skip', ctx);
export const holdTicket = (p: Platform, id: string, ctx: Ctx) => simpleAction(p, id, 'hold', ctx);
export const resumeTicket = (p: Platform, id: string, ctx: Ctx) => simpleAction(p, id, 'resume', ctx);

/**
 * Sends the ticket back to the queue for another service and/or one window. It keeps its place:
 * queued_at is not touched, so it is called before everyone who came after it.
 */
export async function transferTicket(platform: Platform, ticketId: string, body: TransferBody, ctx: Ctx): Promise<Ticket> {
  const { hallId } = await atWindow(platform, ticketId, 'transfer', ctx, async (tx, t, w, hall, _staff, now) => {
    const serviceId = body.serviceId ?? t.service_id;
    const service = await requireService(tx, serviceId, hall.id);
    let target: hallsRepo.WindowRow | undefined;
    if (body.windowId) {
      target = await hallsRepo.findWindow(tx, body.windowId);
      if (!target || target.hall_id !== hall.id || !target.is_active) throw notFound('WINDOW_NOT_FOUND', `no window ${body.windowId} in this hall`);
      if (target.id === w.id && serviceId === t.service_id) throw badRequest('TRANSFER_INVALID', '转移到同一窗口和同一服务没有意义 (nothing would change)');
      await assertWindowServes(tx, target, t, serviceId);
    } else if (serviceId === t.service_id) {
      throw badRequest('TRANSFER_INVALID', '请选择要转去的服务或窗口 (name another service or a window)');
    }
    await moveTicket(tx, t, 'transfer', now, {
      windowId: null, staffId: null, serviceId,
      set: { service_id: serviceId, window_id: null, target_window_id: target?.id ?? null, staff_account_id: null },
    });
    await repo.insertHallEvent(tx, displayEvent(hall, target ?? null, t, 'transferred', service.name, now));
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.ticket.transfer', objectType: 'ticket', objectId: t.id, orgUnitId: hall.org_unit_id, data: { number: t.display_number, fromWindow: w.number, toWindow: target?.number ?? null, fromService: t.service_id, toService: serviceId } });
    await emit(tx, { topic: 'queue.ticket.transferred', key: t.id, payload: { ticketId: t.id, hallId: hall.id, fromWindowId: w.id, toWindowId: target?.id ?? null, fromServiceId: t.service_id, toServiceId: serviceId }, at: now });
  });
  signalHall(platform, hallId);
  return getTicket(platform, ticketId);
}

/**
 * Finishes the service at the window with the services delivered. The event carries what the
 * ratings module needs to ask the citizen to rate this window, this clerk and these services.
 */
export async function finishTicket(platform: Platform, ticketId: string, serviceIds: string[], ctx: Ctx): Promise<Ticket> {
  const { hallId } = await atWindow(platform, ticketId, 'finish', ctx, async (tx, t, w, hall, staff, now) => {
    const delivered = [];
    for (const id of serviceIds) {
      const s = await requireService(tx, id, hall.id);
      delivered.push({ serviceId: s.id, code: s.code, name: s.name, catalogItemCode: s.catalog_item_code });
    }
    await moveTicket(tx, t, 'finish', now, { windowId: w.id, staffId: staff, set: { finished_at: now, services_delivered: delivered, end_reason: 'finished' } });
    const periods = await repo.listPeriods(tx, t.id);
    const seconds = (state: string) => Math.round(periods.filter((p) => p.state === state && p.ended_at).reduce((sum, p) => sum + (p.ended_at!.getTime() - p.started_at.getTime()), 0) / 1000);
    await repo.insertHallEvent(tx, displayEvent(hall, w, t, 'finished', null, now));
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.ticket.finish', objectType: 'ticket', objectId: t.id, orgUnitId: hall.org_unit_id, data: { number: t.display_number, window: w.number, services: delivered.map((d) => d.code) } });
    await emit(tx, {
      topic: 'queue.ticket.finished',
      key: t.id,
      payload: {
        ticketId: t.id, hallId: hall.id, number: t.display_number, day: t.day,
        windowId: w.id, windowNumber: w.number, windowName: w.name,
        staffAccountId: staff ?? t.staff_account_id, accountId: t.account_id, appointmentId: t.appointment_id,
        servicesDelivered: delivered, waitSeconds: seconds('waiting'), handlingSeconds: seconds('serving'), finishedAt: now.toISOString(),
      },
      at: now,
    });
  });
  signalHall(platform, hallId);
  return getTicket(platform, ticketId);
}

/** A citizen gives up their own waiting phone ticket. */
export async function cancelMyTicket(platform: Platform, ticketId: string, accountId: string, ctx: Ctx): Promise<Ticket> {
  const now = platform.clock.now();
  const hallId = await platform.db.tx(async (tx) => {
    const t = await repo.lockTicket(tx, ticketId);
    if (!t || t.account_id !== accountId) throw notFound('TICKET_NOT_FOUND', `没有这个号 (no ticket ${ticketId} of yours)`);
    await moveTicket(tx, t, 'cancel', now, { windowId: null, staffId: null, set: { end_reason: 'cancelled_by_citizen', finished_at: now } });
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.ticket.cancel', objectType: 'ticket', objectId: t.id, data: { number: t.display_number } });
    await emit(tx, { topic: 'queue.ticket.cancelled', key: t.id, payload: { ticketId: t.id, hallId: t.hall_id, reason: 'by_citizen' }, at: now });
    return t.hall_id;
  });
  signalHall(platform, hallId);
  return getTicket(platform, ticketId);
}

/** Staff put a waiting ticket on the green channel (disabled, key project, or the elderly without an ID card at hand). */
export async function setGreenChannel(platform: Platform, ticketId: string, reason: PriorityReason, ctx: Ctx): Promise<Ticket> {
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    const t = await repo.lockTicket(tx, ticketId);
    if (!t) throw notFound('TICKET_NOT_FOUND', `no ticket ${ticketId}`);
    const hall = (await hallsRepo.findHall(tx, t.hall_id))!;
    assertMayAct(ctx, 'hall:use', hall);
    if (t.state !== 'waiting') nextState(t.state, 'call', t.display_number);
    const r = strongerReason(t.priority_reason, reason);
    await repo.updateTicket(tx, t.id, { priority: priorityOf(r), priority_reason: r });
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.ticket.green-channel', objectType: 'ticket', objectId: t.id, orgUnitId: hall.org_unit_id, data: { number: t.display_number, reason } });
  });
  return getTicket(platform, ticketId);
}

// ---------- end of day ----------

/** Tickets left open when their day ended are cancelled, closing their periods. Returns how many. */
export async function closePastDays(platform: Platform): Promise<number> {
  const now = platform.clock.now();
  const today = chinaDay(now);
  let total = 0;
  for (;;) {
    const n = await platform.db.tx(async (tx) => {
      const rows = await repo.lockOpenTicketsBefore(tx, today, 200);
      for (const t of rows) {
        await moveTicket(tx, t, 'close_day', now, { windowId: null, staffId: null, set: { end_reason: 'day_closed', finished_at: now } });
      }
      if (rows.length) {
        await writeAudit(tx, { actor: { kind: 'system', label: 'queue.close-days' }, at: now, action: 'queue.ticket.close-day', objectType: 'ticket', data: { tickets: rows.length, before: today } });
      }
      return rows.length;
    });
    total += n;
    if (n < 200) break;
  }
  await hallsRepo.closeWindowsOpenedBefore(platform.db, new Date(`${today}T00:00:00+08:00`));
  return total;
}
