import { writeAudit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db.ts';
import { canActOn, type Permission } from '../../platform/auth/roles.ts';
import { AppError, badRequest, conflict, forbidden, notFound, sqlState } from '../../platform/errors.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { orgViews } from '../org/index.ts';
import * as appointmentsRepo from './appointments.repository.ts';
import * as repo from './halls.repository.ts';
import { signalHall } from './hall-feed.ts';
import { addDays, checkOpeningHours, chinaDay, chinaTime, rangesOverlap, slotTimes } from './queue.rules.ts';
import type { CreateHallBody, CreateServiceBody, CreateWindowBody, Hall, HallSettings, HallWindow, Service, Slot } from './queue.schemas.ts';

// Setting up a hall (services, number ranges, windows, work profiles) and its appointment slots.

export type Ctx = Pick<ActionContext, 'actor' | 'principal' | 'requestId' | 'ip'>;

export const DEFAULT_SETTINGS: HallSettings = {
  latenessMinutes: 15,
  earlyCheckInMinutes: 60,
  bookingHorizonDays: 7,
  noShowLimit: 3,
  noShowWindowDays: 90,
  bookingBlockDays: 30,
  elderlyAge: 70,
};

export const settingsOf = (h: repo.HallRow): HallSettings => ({
  latenessMinutes: h.lateness_minutes,
  earlyCheckInMinutes: h.early_check_in_minutes,
  bookingHorizonDays: h.booking_horizon_days,
  noShowLimit: h.no_show_limit,
  noShowWindowDays: h.no_show_window_days,
  bookingBlockDays: h.booking_block_days,
  elderlyAge: h.elderly_age,
});

/** Staff act on a hall only through a grant on its unit or above; calls without a principal are the system's. */
export function assertMayAct(ctx: Ctx, permission: Permission, hall: repo.HallRow): void {
  if (ctx.principal && !canActOn(ctx.principal, permission, hall.org_path)) {
    throw forbidden('FORBIDDEN', `无权操作${hall.name} (no ${permission} grant for this hall's unit)`);
  }
}

export async function requireHall(q: Queryable, id: string): Promise<repo.HallRow> {
  const hall = await repo.findHall(q, id);
  if (!hall) throw notFound('HALL_NOT_FOUND', `没有这个大厅 (no hall ${id})`);
  return hall;
}

export async function requireService(q: Queryable, id: string, hallId?: string): Promise<repo.ServiceRow> {
  const s = await repo.findService(q, id);
  if (!s || !s.is_active || (hallId && s.hall_id !== hallId)) throw notFound('SERVICE_NOT_FOUND', `大厅没有这项服务 (no service ${id} in this hall)`);
  return s;
}

// ---------- views ----------

function toService(s: repo.ServiceRow, ranges: repo.RangeRow[]): Service {
  return {
    id: s.id,
    hallId: s.hall_id,
    code: s.code,
    name: s.name,
    catalogItemCode: s.catalog_item_code,
    isBookable: s.is_bookable,
    slotMinutes: s.slot_minutes,
    slotCapacity: s.slot_capacity,
    handlingMinutes: s.handling_minutes,
    ranges: ranges.filter((r) => r.service_id === s.id).map((r) => ({ id: r.id, purpose: r.purpose, prefix: r.prefix, first: r.first_number, last: r.last_number })),
  };
}

export function toWindow(w: repo.WindowRow, profiles: repo.ProfileRow[]): HallWindow {
  return {
    id: w.id,
    hallId: w.hall_id,
    number: w.number,
    name: w.name,
    kind: w.kind,
    isOpen: w.staff_account_id !== null,
    staffName: w.staff_name,
    services: profiles.filter((p) => p.window_id === w.id).map((p) => ({ serviceId: p.service_id, priority: p.priority })),
  };
}

export const listHalls = async (platform: Platform) =>
  (await repo.listHalls(platform.db)).map((h) => ({ id: h.id, code: h.code, name: h.name, address: h.address }));

export async function describeHall(platform: Platform, hallId: string): Promise<Hall> {
  const db = platform.db;
  const hall = await requireHall(db, hallId);
  const [services, ranges, windows, profiles] = await Promise.all([
    repo.listServices(db, hallId), repo.listRanges(db, hallId), repo.listWindows(db, hallId), repo.listProfiles(db, hallId),
  ]);
  return {
    id: hall.id,
    code: hall.code,
    name: hall.name,
    address: hall.address,
    openingHours: hall.opening_hours,
    settings: settingsOf(hall),
    services: services.map((s) => toService(s, ranges)),
    windows: windows.map((w) => toWindow(w, profiles)),
  };
}

// ---------- configuration ----------

export async function createHall(platform: Platform, body: CreateHallBody, ctx: Ctx): Promise<Hall> {
  checkOpeningHours(body.openingHours);
  const unit = await orgViews.findUnitByCode(platform.db, body.orgUnitCode);
  if (!unit) throw badRequest('ORG_UNIT_UNKNOWN', `unknown org unit ${body.orgUnitCode}`);
  if (ctx.principal && !canActOn(ctx.principal, 'hall:manage', unit.path)) throw forbidden('FORBIDDEN', `no hall:manage grant for ${unit.name}`);
  const s = { ...DEFAULT_SETTINGS, ...body.settings };
  const now = platform.clock.now();
  const id = uuidv7();
  try {
    await platform.db.tx(async (tx) => {
      await repo.insertHall(tx, {
        id, code: body.code, name: body.name, org_unit_id: unit.id, org_path: unit.path, address: body.address ?? null,
        opening_hours: body.openingHours, lateness_minutes: s.latenessMinutes, early_check_in_minutes: s.earlyCheckInMinutes,
        booking_horizon_days: s.bookingHorizonDays, no_show_limit: s.noShowLimit, no_show_window_days: s.noShowWindowDays,
        booking_block_days: s.bookingBlockDays, elderly_age: s.elderlyAge,
      }, now);
      await writeAudit(tx, { ...ctx, at: now, action: 'queue.hall.create', objectType: 'hall', objectId: id, orgUnitId: unit.id, data: { code: body.code, name: body.name } });
    });
  } catch (err) {
    if (sqlState(err) === '23505') throw conflict('HALL_EXISTS', `大厅编码 ${body.code} 已存在 (hall code taken)`);
    throw err;
  }
  return describeHall(platform, id);
}

export async function addService(platform: Platform, hallId: string, body: CreateServiceBody, ctx: Ctx): Promise<Service> {
  const ranges = [{ purpose: 'walk_in' as const, ...body.walkInRange }, ...(body.appointmentRange ? [{ purpose: 'appointment' as const, ...body.appointmentRange }] : [])];
  for (const r of ranges) if (r.first > r.last) throw badRequest('NUMBER_RANGE_INVALID', `号段 ${r.prefix}${r.first}–${r.prefix}${r.last} ends before it starts`);
  if (ranges.length === 2 && rangesOverlap(ranges[0]!, ranges[1]!)) throw badRequest('NUMBER_RANGE_OVERLAP', '现场号段与预约号段重叠 (the walk-in and appointment ranges overlap)');
  const now = platform.clock.now();
  const id = uuidv7();
  try {
    await platform.db.tx(async (tx) => {
      const hall = await repo.lockHall(tx, hallId);
      if (!hall) throw notFound('HALL_NOT_FOUND', `no hall ${hallId}`);
      assertMayAct(ctx, 'hall:manage', hall);
      // Under the hall lock, so two services cannot take overlapping ranges at the same time.
      for (const existing of await repo.listRanges(tx, hallId)) {
        for (const r of ranges) {
          if (rangesOverlap(r, { prefix: existing.prefix, first: existing.first_number, last: existing.last_number })) {
            throw conflict('NUMBER_RANGE_OVERLAP', `号段 ${r.prefix}${r.first}–${r.last} 与已有号段 ${existing.prefix}${existing.first_number}–${existing.last_number} 重叠`);
          }
        }
      }
      await repo.insertService(tx, {
        id, hall_id: hallId, code: body.code, name: body.name, catalog_item_code: body.catalogItemCode ?? null,
        is_bookable: body.isBookable ?? true, slot_minutes: body.slotMinutes ?? 30, slot_capacity: body.slotCapacity ?? 4,
        handling_minutes: body.handlingMinutes ?? 10, sort_order: body.sortOrder ?? 0, is_active: true,
      }, now);
      for (const r of ranges) {
        await repo.insertRange(tx, { id: uuidv7(), hall_id: hallId, service_id: id, purpose: r.purpose, prefix: r.prefix, first_number: r.first, last_number: r.last });
      }
      await writeAudit(tx, { ...ctx, at: now, action: 'queue.service.create', objectType: 'hall_service', objectId: id, orgUnitId: hall.org_unit_id, data: { hallId, code: body.code, name: body.name, ranges } });
    });
  } catch (err) {
    if (sqlState(err) === '23505') throw conflict('SERVICE_EXISTS', `服务编码 ${body.code} 已存在 (service code taken in this hall)`);
    throw err;
  }
  const s = (await describeHall(platform, hallId)).services.find((x) => x.id === id)!;
  return s;
}

async function checkProfileServices(q: Queryable, hallId: string, services: { serviceId: string }[]) {
  const seen = new Set<string>();
  for (const s of services) {
    if (seen.has(s.serviceId)) throw badRequest('WORK_PROFILE_INVALID', `service ${s.serviceId} appears twice`);
    seen.add(s.serviceId);
    await requireService(q, s.serviceId, hallId);
  }
}

export async function addWindow(platform: Platform, hallId: string, body: CreateWindowBody, ctx: Ctx): Promise<HallWindow> {
  const now = platform.clock.now();
  const id = uuidv7();
  try {
    await platform.db.tx(async (tx) => {
      const hall = await repo.lockHall(tx, hallId);
      if (!hall) throw notFound('HALL_NOT_FOUND', `no hall ${hallId}`);
      assertMayAct(ctx, 'hall:manage', hall);
      await checkProfileServices(tx, hallId, body.services);
      await repo.insertWindow(tx, { id, hall_id: hallId, number: body.number, name: body.name, kind: body.kind });
      await repo.replaceProfile(tx, id, body.services);
      await writeAudit(tx, { ...ctx, at: now, action: 'queue.window.create', objectType: 'hall_window', objectId: id, orgUnitId: hall.org_unit_id, data: { ...body } });
    });
  } catch (err) {
    if (sqlState(err) === '23505') throw conflict('WINDOW_EXISTS', `${body.number} 号窗口已存在 (window number taken)`);
    throw err;
  }
  return (await describeHall(platform, hallId)).windows.find((w) => w.id === id)!;
}

/** Replaces which services a window serves and in which order (工作配置). */
export async function setWorkProfile(platform: Platform, windowId: string, services: { serviceId: string; priority: number }[], ctx: Ctx): Promise<HallWindow> {
  const now = platform.clock.now();
  const hallId = await platform.db.tx(async (tx) => {
    const w = await repo.lockWindow(tx, windowId);
    if (!w) throw notFound('WINDOW_NOT_FOUND', `没有这个窗口 (no window ${windowId})`);
    const hall = (await repo.findHall(tx, w.hall_id))!;
    assertMayAct(ctx, 'hall:manage', hall);
    await checkProfileServices(tx, w.hall_id, services);
    await repo.replaceProfile(tx, windowId, services);
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.window.profile', objectType: 'hall_window', objectId: windowId, orgUnitId: hall.org_unit_id, data: { services } });
    return w.hall_id;
  });
  return (await describeHall(platform, hallId)).windows.find((w) => w.id === windowId)!;
}

// ---------- appointment slots ----------

export interface SlotSync {
  created: number;
  closedSlots: number;
  cancelledAppointments: number;
  /** The last day covered; earlier than the horizon when the calendar has no data further on. */
  until: string | null;
}

/**
 * Makes the hall's bookable days match the working-day calendar: slots for the next
 * `bookingHorizonDays` working days (today included), and closes days that stopped being working
 * days (a closure or a typhoon day set after the slots were made), cancelling their appointments.
 */
export async function syncSlots(platform: Platform, hallId: string, ctx: Ctx): Promise<SlotSync> {
  const hall = await requireHall(platform.db, hallId);
  const now = platform.clock.now();
  const today = chinaDay(now);
  const services = (await repo.listServices(platform.db, hallId)).filter((s) => s.is_bookable);
  const result: SlotSync = { created: 0, closedSlots: 0, cancelledAppointments: 0, until: null };
  let workingDays = 0;
  // Look at most three times the horizon ahead: long holidays (春节, 国庆) fit in that.
  for (let i = 0; i < hall.booking_horizon_days * 3 + 10 && workingDays < hall.booking_horizon_days; i++) {
    const day = addDays(today, i);
    let isWorking: boolean;
    try {
      isWorking = await platform.calendar.isWorkingDay(day);
    } catch (err) {
      if (err instanceof AppError && err.code === 'CALENDAR_YEAR_UNKNOWN') break; // no slots in a year nobody published
      throw err;
    }
    if (isWorking) {
      workingDays += 1;
      result.until = day;
      const slots = services.flatMap((s) =>
        slotTimes(hall.opening_hours, s.slot_minutes).map((t) => ({
          id: uuidv7(), service_id: s.id, day, starts_at: chinaTime(day, t.from), ends_at: chinaTime(day, t.to), capacity: s.slot_capacity,
        })),
      );
      await platform.db.tx(async (tx) => {
        await repo.reopenSlotsOfDay(tx, hallId, day);
        result.created += await repo.insertSlots(tx, slots);
      });
    } else {
      await platform.db.tx(async (tx) => {
        const closed = await repo.closeSlotsOfDay(tx, hallId, day);
        if (closed.length === 0) return;
        result.closedSlots += closed.length;
        const cancelled = await appointmentsRepo.lockBookedOfSlots(tx, closed.map((s) => s.id));
        for (const a of cancelled) {
          await appointmentsRepo.setStatus(tx, a.id, 'cancelled', now, { cancelReason: 'hall_closed' });
          await repo.releaseSlotPlace(tx, a.slot_id);
          // The notification module tells the citizen; the event carries no personal data.
          await emit(tx, { topic: 'queue.appointment.cancelled', key: a.id, payload: { appointmentId: a.id, accountId: a.account_id, hallId, day, reason: 'hall_closed' }, at: now });
        }
        result.cancelledAppointments += cancelled.length;
        await writeAudit(tx, { ...ctx, at: now, action: 'queue.slot.close', objectType: 'hall', objectId: hallId, orgUnitId: hall.org_unit_id, data: { day, slots: closed.length, cancelledAppointments: cancelled.length } });
      });
    }
  }
  signalHall(platform, hallId);
  return result;
}

export async function listSlots(platform: Platform, serviceId: string, range: { from?: string; to?: string }): Promise<Slot[]> {
  const service = await requireService(platform.db, serviceId);
  if (!service.is_bookable) throw conflict('SERVICE_NOT_BOOKABLE', `${service.name}不接受预约 (this service takes walk-ins only)`);
  const now = platform.clock.now();
  const from = range.from ?? chinaDay(now);
  const to = range.to ?? addDays(from, 31);
  if (to < from || addDays(from, 62) < to) throw badRequest('DATE_RANGE_INVALID', 'to must be on or after from, at most 62 days later');
  return (await repo.listSlots(platform.db, serviceId, from, to, now)).map((s) => ({
    id: s.id, serviceId: s.service_id, day: s.day, startsAt: s.starts_at.toISOString(), endsAt: s.ends_at.toISOString(),
    capacity: s.capacity, remaining: Math.max(0, s.capacity - s.booked),
  }));
}
