import type { Queryable } from '../../platform/db.ts';
import type { OpeningPeriod } from './queue.rules.ts';

// Every SQL statement about halls, their services, number ranges, windows, work profiles and slots.

export interface HallRow {
  id: string;
  code: string;
  name: string;
  org_unit_id: string;
  org_path: string;
  address: string | null;
  opening_hours: OpeningPeriod[];
  lateness_minutes: number;
  early_check_in_minutes: number;
  booking_horizon_days: number;
  no_show_limit: number;
  no_show_window_days: number;
  booking_block_days: number;
  elderly_age: number;
}

export interface ServiceRow {
  id: string;
  hall_id: string;
  code: string;
  name: string;
  catalog_item_code: string | null;
  is_bookable: boolean;
  slot_minutes: number;
  slot_capacity: number;
  handling_minutes: number;
  sort_order: number;
  is_active: boolean;
}

export interface RangeRow {
  id: string;
  hall_id: string;
  service_id: string;
  purpose: 'walk_in' | 'appointment';
  prefix: string;
  first_number: number;
  last_number: number;
}

export interface WindowRow {
  id: string;
  hall_id: string;
  number: number;
  name: string;
  kind: 'general' | 'special';
  is_active: boolean;
  staff_account_id: string | null;
  staff_name: string | null;
  opened_at: Date | null;
}

export interface ProfileRow {
  window_id: string;
  service_id: string;
  priority: number;
}

export interface SlotRow {
  id: string;
  service_id: string;
  day: string;
  starts_at: Date;
  ends_at: Date;
  capacity: number;
  booked: number;
  is_closed: boolean;
}

// ---------- halls ----------

export const listHalls = (q: Queryable) => q.query<HallRow>('SELECT * FROM queue.hall ORDER BY code');

export const findHall = async (q: Queryable, id: string) =>
  (await q.query<HallRow>('SELECT * FROM queue.hall WHERE id = $1', [id]))[0];

export const findHallByCode = async (q: Queryable, code: string) =>
  (await q.query<HallRow>('SELECT * FROM queue.hall WHERE code = $1', [code]))[0];

/** Locks the hall row: configuration changes of one hall happen one at a time. */
export const lockHall = async (q: Queryable, id: string) =>
  (await q.query<HallRow>('SELECT * FROM queue.hall WHERE id = $1 FOR UPDATE', [id]))[0];

export const insertHall = (q: Queryable, h: HallRow, now: Date) =>
  q.query(
    `INSERT INTO queue.hall (id, code, name, org_unit_id, org_path, address, opening_hours, lateness_minutes,
       early_check_in_minutes, booking_horizon_days, no_show_limit, no_show_window_days, booking_block_days,
       elderly_age, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
    [h.id, h.code, h.name, h.org_unit_id, h.org_path, h.address, JSON.stringify(h.opening_hours), h.lateness_minutes,
      h.early_check_in_minutes, h.booking_horizon_days, h.no_show_limit, h.no_show_window_days, h.booking_block_days,
      h.elderly_age, now],
  );

// ---------- services and number ranges ----------

export const listServices = (q: Queryable, hallId: string) =>
  q.query<ServiceRow>('SELECT * FROM queue.service WHERE hall_id = $1 AND is_active ORDER BY sort_order, code', [hallId]);

export const findService = async (q: Queryable, id: string) =>
  (await q.query<ServiceRow>('SELECT * FROM queue.service WHERE id = $1', [id]))[0];

export const insertService = (q: Queryable, s: ServiceRow, now: Date) =>
  q.query(
    `INSERT INTO queue.service (id, hall_id, code, name, catalog_item_code, is_bookable, slot_minutes, slot_capacity,
       handling_minutes, sort_order, is_active, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [s.id, s.hall_id, s.code, s.name, s.catalog_item_code, s.is_bookable, s.slot_minutes, s.slot_capacity,
      s.handling_minutes, s.sort_order, s.is_active, now],
  );

export const listRanges = (q: Queryable, hallId: string) =>
  q.query<RangeRow>('SELECT * FROM queue.number_range WHERE hall_id = $1 ORDER BY prefix, first_number', [hallId]);

export const insertRange = (q: Queryable, r: RangeRow) =>
  q.query(
    `INSERT INTO queue.number_range (id, hall_id, service_id, purpose, prefix, first_number, last_number)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [r.id, r.hall_id, r.service_id, r.purpose, r.prefix, r.first_number, r.last_number],
  );

/** The range a ticket draws from: the appointment range for appointments when there is one. */
export const pickRange = async (q: Queryable, serviceId: string, purpose: 'walk_in' | 'appointment') =>
  (
    await q.query<RangeRow>(
      `SELECT * FROM queue.number_range WHERE service_id = $1 AND purpose IN ($2, 'walk_in')
        ORDER BY (purpose = $2) DESC LIMIT 1`,
      [serviceId, purpose],
    )
  )[0];

// ---------- windows and work profiles ----------

export const listWindows = (q: Queryable, hallId: string) =>
  q.query<WindowRow>('SELECT * FROM queue.hall_window WHERE hall_id = $1 AND is_active ORDER BY number', [hallId]);

export const findWindow = async (q: Queryable, id: string) =>
  (await q.query<WindowRow>('SELECT * FROM queue.hall_window WHERE id = $1', [id]))[0];

/** Locks the window: the actions of one window happen one at a time (a double click calls once). */
export const lockWindow = async (q: Queryable, id: string) =>
  (await q.query<WindowRow>('SELECT * FROM queue.hall_window WHERE id = $1 FOR UPDATE', [id]))[0];

export const insertWindow = (q: Queryable, w: Pick<WindowRow, 'id' | 'hall_id' | 'number' | 'name' | 'kind'>) =>
  q.query('INSERT INTO queue.hall_window (id, hall_id, number, name, kind) VALUES ($1, $2, $3, $4, $5)', [w.id, w.hall_id, w.number, w.name, w.kind]);

export const setWindowStaff = (q: Queryable, id: string, staff: { accountId: string; name: string; at: Date } | null) =>
  q.query('UPDATE queue.hall_window SET staff_account_id = $2, staff_name = $3, opened_at = $4 WHERE id = $1', [
    id, staff?.accountId ?? null, staff?.name ?? null, staff?.at ?? null,
  ]);

export const listProfiles = (q: Queryable, hallId: string) =>
  q.query<ProfileRow>(
    `SELECT p.* FROM queue.work_profile p JOIN queue.hall_window w ON w.id = p.window_id
      WHERE w.hall_id = $1 ORDER BY w.number, p.priority`,
    [hallId],
  );

export const findProfile = async (q: Queryable, windowId: string, serviceId: string) =>
  (await q.query<ProfileRow>('SELECT * FROM queue.work_profile WHERE window_id = $1 AND service_id = $2', [windowId, serviceId]))[0];

export async function replaceProfile(q: Queryable, windowId: string, services: { serviceId: string; priority: number }[]) {
  await q.query('DELETE FROM queue.work_profile WHERE window_id = $1', [windowId]);
  if (services.length === 0) return;
  await q.query(
    `INSERT INTO queue.work_profile (window_id, service_id, priority)
     SELECT $1, s.service_id::uuid, s.priority FROM jsonb_to_recordset($2::jsonb) AS s(service_id text, priority int)`,
    [windowId, JSON.stringify(services.map((s) => ({ service_id: s.serviceId, priority: s.priority })))],
  );
}

/** Open windows serving a service (for wait estimates). */
export const countOpenWindowsServing = async (q: Queryable, serviceId: string) =>
  (
    await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM queue.work_profile p JOIN queue.hall_window w ON w.id = p.window_id
        WHERE p.service_id = $1 AND w.is_active AND w.staff_account_id IS NOT NULL`,
      [serviceId],
    )
  )[0]!.n;

// ---------- slots ----------

/** Inserts the day's slots that do not exist yet; returns how many were new. */
export async function insertSlots(q: Queryable, slots: Omit<SlotRow, 'booked' | 'is_closed'>[]): Promise<number> {
  if (slots.length === 0) return 0;
  const rows = await q.query<{ id: string }>(
    `INSERT INTO queue.slot (id, service_id, day, starts_at, ends_at, capacity)
     SELECT s.id::uuid, s.service_id::uuid, s.day::date, s.starts_at::timestamptz, s.ends_at::timestamptz, s.capacity
       FROM jsonb_to_recordset($1::jsonb) AS s(id text, service_id text, day text, starts_at text, ends_at text, capacity int)
     ON CONFLICT (service_id, starts_at) DO NOTHING
     RETURNING id`,
    [JSON.stringify(slots.map((s) => ({ ...s, starts_at: s.starts_at.toISOString(), ends_at: s.ends_at.toISOString() })))],
  );
  return rows.length;
}

/** Closes the open slots of a hall's day (the day stopped being a working day); returns them. */
export const closeSlotsOfDay = (q: Queryable, hallId: string, day: string) =>
  q.query<SlotRow>(
    `UPDATE queue.slot s SET is_closed = true
       FROM queue.service v WHERE v.id = s.service_id AND v.hall_id = $1 AND s.day = $2 AND NOT s.is_closed
     RETURNING s.*`,
    [hallId, day],
  );

/** Reopens the slots of a day that is a working day again. */
export const reopenSlotsOfDay = (q: Queryable, hallId: string, day: string) =>
  q.query(
    `UPDATE queue.slot s SET is_closed = false
       FROM queue.service v WHERE v.id = s.service_id AND v.hall_id = $1 AND s.day = $2 AND s.is_closed`,
    [hallId, day],
  );

export const listSlots = (q: Queryable, serviceId: string, from: string, to: string, after: Date) =>
  q.query<SlotRow>(
    `SELECT * FROM queue.slot WHERE service_id = $1 AND day BETWEEN $2 AND $3 AND NOT is_closed AND starts_at > $4
      ORDER BY starts_at`,
    [serviceId, from, to, after],
  );

export const findSlot = async (q: Queryable, id: string) =>
  (await q.query<SlotRow>('SELECT * FROM queue.slot WHERE id = $1', [id]))[0];

export const lockSlot = async (q: Queryable, id: string) =>
  (await q.query<SlotRow>('SELECT * FROM queue.slot WHERE id = $1 FOR UPDATE', [id]))[0];

/** Takes one place in the slot unless it is full; false when full. */
export const takeSlotPlace = async (q: Queryable, id: string) =>
  (await q.query('UPDATE queue.slot SET booked = booked + 1 WHERE id = $1 AND booked < capacity RETURNING id', [id])).length === 1;

export const releaseSlotPlace = (q: Queryable, id: string) =>
  q.query('UPDATE queue.slot SET booked = booked - 1 WHERE id = $1 AND booked > 0', [id]);

/** Windows still open from an earlier day are closed (the clerk went home without closing). */
export const closeWindowsOpenedBefore = (q: Queryable, before: Date) =>
  q.query<{ id: string }>(
    `UPDATE queue.hall_window SET staff_account_id = NULL, staff_name = NULL, opened_at = NULL
      WHERE staff_account_id IS NOT NULL AND opened_at < $1 RETURNING id`,
    [before],
  );
