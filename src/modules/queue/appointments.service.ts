import { timingSafeEqual } from 'node:crypto';
import { writeAudit } from '../../platform/audit.ts';
import { parseResidentId } from '../../platform/crypto/identity-numbers.ts';
import { isMobilePhone, maskIdNumber, normalisePhone, type PiiVault } from '../../platform/crypto/pii.ts';
import { AppError, badRequest, conflict, forbidden, notFound, sqlState } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import * as repo from './appointments.repository.ts';
import * as hallsRepo from './halls.repository.ts';
import { requireHall, requireService, type Ctx } from './halls.service.ts';
import { signalHall } from './hall-feed.ts';
import { addDays, ageOn, chinaDay, isOnTime, type PriorityReason } from './queue.rules.ts';
import type { Appointment, BookBody, CheckInBody, IssuedTicket } from './queue.schemas.ts';
import { issueInTx, standingOf, toTicket } from './tickets.service.ts';
import * as ticketsRepo from './tickets.repository.ts';

// Appointments (预约): booking and cancelling by citizens, the no-show limit, and check-in by QR
// code or ID number, which turns an appointment into a ticket with priority.

// ---------- the check-in token (what the QR code carries) ----------

const TOKEN_PREFIX = 'YW1';

function tokenMac(pii: PiiVault, appointmentId: string): string {
  // The vault's keyed hash (HMAC-SHA256 under the platform key) doubles as the signature.
  return Buffer.from(pii.blindIndex('queueCheckIn', appointmentId), 'hex').subarray(0, 16).toString('base64url');
}

/** `YW1.<appointment id, 16 bytes>.<signature, 16 bytes>`, base64url: 49 characters, a small QR code. */
export function checkInTokenOf(pii: PiiVault, appointmentId: string): string {
  const id = Buffer.from(appointmentId.replace(/-/g, ''), 'hex').toString('base64url');
  return `${TOKEN_PREFIX}.${id}.${tokenMac(pii, appointmentId)}`;
}

/** The appointment id a token names, when its signature holds; else CHECK_IN_TOKEN_INVALID. */
export function parseCheckInToken(pii: PiiVault, token: string): string {
  const invalid = () => badRequest('CHECK_IN_TOKEN_INVALID', '预约二维码无效 (the check-in code is not one of ours)');
  const [prefix, idPart, mac, ...rest] = token.trim().split('.');
  if (prefix !== TOKEN_PREFIX || !idPart || !mac || rest.length) throw invalid();
  const raw = Buffer.from(idPart, 'base64url');
  if (raw.length !== 16) throw invalid();
  const hex = raw.toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const expected = Buffer.from(tokenMac(pii, id));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  return id;
}

// ---------- views ----------

function toAppointment(platform: Platform, a: repo.AppointmentView): Appointment {
  return {
    id: a.id,
    hallId: a.hall_id,
    hallName: a.hall_name,
    serviceId: a.service_id,
    serviceName: a.service_name,
    day: a.day,
    startsAt: a.starts_at.toISOString(),
    endsAt: a.ends_at.toISOString(),
    name: a.name,
    idNumberMasked: maskIdNumber(platform.pii.decrypt(a.id_number_enc)),
    status: a.status,
    cancelReason: a.cancel_reason,
    ticketId: a.ticket_id,
    checkInToken: a.status === 'booked' ? checkInTokenOf(platform.pii, a.id) : null,
    bookedAt: a.booked_at.toISOString(),
  };
}

export async function myAppointments(platform: Platform, accountId: string): Promise<Appointment[]> {
  const from = addDays(chinaDay(platform.clock.now()), -30);
  return (await repo.listAppointmentsOfAccount(platform.db, accountId, from)).map((a) => toAppointment(platform, a));
}

function ownerOf(ctx: Ctx): string {
  const p = ctx.principal;
  if (!p || p.userKind === 'staff' || !p.permissions.has('portal:use')) throw forbidden('FORBIDDEN', '请用个人或企业账号预约 (book with a citizen or enterprise account)');
  return p.userId;
}

// ---------- booking ----------

export async function bookAppointment(platform: Platform, body: BookBody, ctx: Ctx): Promise<Appointment> {
  const accountId = ownerOf(ctx);
  const now = platform.clock.now();
  const id = parseResidentId(body.idNumber, now);
  if (!id.ok) throw badRequest(id.code, id.message);
  if (body.phone !== undefined && !isMobilePhone(body.phone)) throw badRequest('PHONE_INVALID', '手机号应为 11 位大陆手机号码 (an 11-digit mainland mobile number)');
  const pii = platform.pii;
  const idHash = pii.blindIndex('idNumber', id.value);
  const appointmentId = uuidv7();
  const seen = await hallsRepo.findSlot(platform.db, body.slotId);
  if (!seen) throw notFound('SLOT_NOT_FOUND', `没有这个预约时段 (no slot ${body.slotId})`);
  // Asked before the transaction: the calendar reads through its own connection.
  const isWorkingDay = await platform.calendar.isWorkingDay(seen.day);
  try {
    await platform.db.tx(async (tx) => {
      // The slot row lock orders concurrent bookings of one slot: capacity holds exactly.
      const slot = (await hallsRepo.lockSlot(tx, body.slotId))!;
      const service = await requireService(tx, slot.service_id);
      const hall = (await hallsRepo.findHall(tx, service.hall_id))!;
      if (!service.is_bookable) throw conflict('SERVICE_NOT_BOOKABLE', `${service.name}不接受预约`);
      if (slot.is_closed || !isWorkingDay) throw conflict('SLOT_CLOSED', `${slot.day} 大厅不办公，该时段已关闭 (the hall is closed that day)`);
      if (slot.starts_at.getTime() <= now.getTime()) throw conflict('SLOT_PAST', '该时段已开始或已过去 (the slot has started)');
      await assertNotBlocked(tx, hall, accountId, idHash, chinaDay(now));
      if (await repo.findLiveDuplicate(tx, service.id, slot.day, accountId, idHash)) {
        throw conflict('APPOINTMENT_DUPLICATE', `您已预约 ${slot.day} 的“${service.name}”，同一事项每天只能预约一次 (already booked this service that day)`);
      }
      if (!(await hallsRepo.takeSlotPlace(tx, slot.id))) throw conflict('SLOT_FULL', '该时段已约满，请选择其他时段 (the slot is full)');
      await repo.insertAppointment(tx, {
        id: appointmentId, hall_id: hall.id, service_id: service.id, slot_id: slot.id, day: slot.day, starts_at: slot.starts_at, ends_at: slot.ends_at,
        account_id: accountId, name: body.name.trim(), id_number_enc: pii.encrypt(id.value), id_number_hash: idHash,
        phone_enc: body.phone ? pii.encrypt(normalisePhone(body.phone)) : null, status: 'booked', booked_at: now,
      });
      await writeAudit(tx, { ...ctx, at: now, action: 'queue.appointment.book', objectType: 'appointment', objectId: appointmentId, orgUnitId: hall.org_unit_id, data: { serviceId: service.id, slotId: slot.id, day: slot.day } });
      await emit(tx, { topic: 'queue.appointment.booked', key: appointmentId, payload: { appointmentId, accountId, hallId: hall.id, serviceId: service.id, startsAt: slot.starts_at.toISOString() }, at: now });
    });
  } catch (err) {
    // The unique index catches a double booking that raced past the check above.
    if (sqlState(err) === '23505') throw conflict('APPOINTMENT_DUPLICATE', '同一事项每天只能预约一次 (already booked this service that day)');
    throw err;
  }
  return toAppointment(platform, (await repo.findAppointment(platform.db, appointmentId))!);
}

/** `noShowLimit` no-shows within `noShowWindowDays` block booking for `bookingBlockDays` after the last one. */
export function blockedUntil(noShowDays: string[], today: string, s: { noShowLimit: number; noShowWindowDays: number; bookingBlockDays: number }): string | null {
  const from = addDays(today, -s.noShowWindowDays);
  const recent = noShowDays.filter((d) => d >= from && d <= today).sort().reverse();
  if (recent.length < s.noShowLimit) return null;
  const until = addDays(recent[0]!, s.bookingBlockDays);
  return until > today ? until : null;
}

async function assertNotBlocked(tx: Parameters<typeof repo.listNoShows>[0], hall: hallsRepo.HallRow, accountId: string, idHash: string, today: string) {
  const days = (await repo.listNoShows(tx, accountId, idHash, addDays(today, -hall.no_show_window_days))).map((r) => r.day);
  const until = blockedUntil(days, today, { noShowLimit: hall.no_show_limit, noShowWindowDays: hall.no_show_window_days, bookingBlockDays: hall.booking_block_days });
  if (until) {
    throw new AppError('BOOKING_BLOCKED', `${hall.no_show_window_days} 天内爽约 ${days.length} 次，${until} 前不能预约 (too many missed appointments; booking reopens on ${until})`, 403, { until, noShows: days.length });
  }
}

export async function cancelAppointment(platform: Platform, appointmentId: string, ctx: Ctx): Promise<Appointment> {
  const accountId = ownerOf(ctx);
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    const a = await repo.lockAppointment(tx, appointmentId);
    if (!a || a.account_id !== accountId) throw notFound('APPOINTMENT_NOT_FOUND', `没有这个预约 (no appointment ${appointmentId} of yours)`);
    if (a.status !== 'booked') throw conflict('APPOINTMENT_NOT_ACTIVE', `该预约已${{ cancelled: '取消', checked_in: '签到', no_show: '爽约', booked: '' }[a.status]}，不能取消`);
    if (a.starts_at.getTime() <= now.getTime()) throw conflict('SLOT_PAST', '预约时段已开始，不能取消 (the slot has started)');
    await repo.setStatus(tx, a.id, 'cancelled', now, { cancelReason: 'by_citizen' });
    await hallsRepo.releaseSlotPlace(tx, a.slot_id);
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.appointment.cancel', objectType: 'appointment', objectId: a.id, data: { day: a.day } });
    await emit(tx, { topic: 'queue.appointment.cancelled', key: a.id, payload: { appointmentId: a.id, accountId, hallId: a.hall_id, day: a.day, reason: 'by_citizen' }, at: now });
  });
  return toAppointment(platform, (await repo.findAppointment(platform.db, appointmentId))!);
}

// ---------- check-in ----------

/**
 * Turns a booked appointment of today into a ticket. On time (up to the hall's lateness window
 * after the slot starts) it gets appointment priority; later it joins as a walk-in. The elderly get
 * the green channel from the ID number on the appointment.
 */
export async function checkIn(platform: Platform, hallId: string, body: CheckInBody, ctx: Ctx): Promise<IssuedTicket & { appointmentId: string; isLate: boolean }> {
  const now = platform.clock.now();
  const day = chinaDay(now);
  const hall = await requireHall(platform.db, hallId);
  let byId: string | undefined;
  let byHash: string | undefined;
  if ('token' in body) byId = parseCheckInToken(platform.pii, body.token);
  else {
    const id = parseResidentId(body.idNumber, now);
    if (!id.ok) throw badRequest(id.code, id.message);
    byHash = platform.pii.blindIndex('idNumber', id.value);
  }
  if (!(await platform.calendar.isWorkingDay(day))) throw conflict('HALL_CLOSED', `${hall.name}今天不办公 (the hall is closed today)`);

  const done = await platform.db.tx(async (tx) => {
    let a: repo.AppointmentRow | undefined;
    if (byId) {
      a = await repo.lockAppointment(tx, byId);
      if (!a || a.hall_id !== hall.id) throw notFound('APPOINTMENT_NOT_FOUND', '本大厅没有这个预约 (no such appointment at this hall)');
    } else {
      const found = await repo.lockBookedByIdNumber(tx, hall.id, day, byHash!);
      // Several today: the earliest whose check-in has opened.
      a = found.find((x) => x.starts_at.getTime() - hall.early_check_in_minutes * 60_000 <= now.getTime()) ?? found[0];
      if (!a) throw notFound('APPOINTMENT_NOT_FOUND', '没有找到您今天在本大厅的预约 (no appointment today for this ID number)');
    }
    if (a.status === 'checked_in') throw conflict('APPOINTMENT_ALREADY_CHECKED_IN', '该预约已签到 (already checked in)');
    if (a.status !== 'booked') throw conflict('APPOINTMENT_NOT_ACTIVE', '该预约已取消或已爽约 (the appointment was cancelled or missed)');
    if (a.day !== day) throw conflict('APPOINTMENT_NOT_TODAY', `预约日期为 ${a.day}，请当天前来签到 (the appointment is on ${a.day})`);
    const opensAt = new Date(a.starts_at.getTime() - hall.early_check_in_minutes * 60_000);
    if (now < opensAt) {
      const hhmm = new Date(opensAt.getTime() + 8 * 3600_000).toISOString().slice(11, 16);
      throw conflict('CHECK_IN_TOO_EARLY', `请于 ${hhmm} 后签到 (check-in opens ${hall.early_check_in_minutes} minutes before the slot)`);
    }
    const service = await requireService(tx, a.service_id, hall.id);
    const isLate = !isOnTime(a.starts_at, now, hall.lateness_minutes);
    const birth = parseResidentId(platform.pii.decrypt(a.id_number_enc), now);
    const elderly: PriorityReason | null = birth.ok && ageOn(birth.birthDate, day) >= hall.elderly_age ? 'elderly' : null;
    const reason: PriorityReason | null = elderly ?? (isLate ? null : 'appointment');
    const ticket = await issueInTx(tx, hall, service, { channel: 'appointment', day, now, reason, accountId: a.account_id, appointmentId: a.id });
    await repo.setStatus(tx, a.id, 'checked_in', now, { ticketId: ticket.id });
    await writeAudit(tx, { ...ctx, at: now, action: 'queue.appointment.check-in', objectType: 'appointment', objectId: a.id, orgUnitId: hall.org_unit_id, data: { ticket: ticket.display_number, isLate, by: byId ? 'qr' : 'id_number' } });
    await emit(tx, { topic: 'queue.appointment.checked_in', key: a.id, payload: { appointmentId: a.id, ticketId: ticket.id, hallId: hall.id, isLate }, at: now });
    return { ticketId: ticket.id, appointmentId: a.id, isLate };
  });
  signalHall(platform, hall.id);
  const view = (await ticketsRepo.findTicket(platform.db, done.ticketId))!;
  return { ticket: toTicket(view), hallName: hall.name, ...(await standingOf(platform, view)), appointmentId: done.appointmentId, isLate: done.isLate };
}

// ---------- no-shows ----------

/** Appointments of past days that were never checked in become no-shows. Returns how many. */
export async function markNoShows(platform: Platform): Promise<number> {
  const now = platform.clock.now();
  const today = chinaDay(now);
  let total = 0;
  for (;;) {
    const n = await platform.db.tx(async (tx) => {
      const rows = await repo.lockMissedBefore(tx, today, 200);
      for (const a of rows) {
        await repo.setStatus(tx, a.id, 'no_show', now);
        await emit(tx, { topic: 'queue.appointment.missed', key: a.id, payload: { appointmentId: a.id, accountId: a.account_id, hallId: a.hall_id, day: a.day }, at: now });
      }
      if (rows.length) {
        await writeAudit(tx, { actor: { kind: 'system', label: 'queue.mark-no-shows' }, at: now, action: 'queue.appointment.no-show', objectType: 'appointment', data: { appointments: rows.map((r) => r.id) } });
      }
      return rows.length;
    });
    total += n;
    if (n < 200) return total;
  }
}
