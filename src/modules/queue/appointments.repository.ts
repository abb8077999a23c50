import type { Queryable } from '../../platform/db.ts';

// Every SQL statement about appointments.

export interface AppointmentRow {
  id: string;
  hall_id: string;
  service_id: string;
  slot_id: string;
  day: string;
  starts_at: Date;
  ends_at: Date;
  account_id: string;
  name: string;
  id_number_enc: string;
  id_number_hash: string;
  phone_enc: string | null;
  status: 'booked' | 'cancelled' | 'checked_in' | 'no_show';
  cancel_reason: 'by_citizen' | 'hall_closed' | null;
  ticket_id: string | null;
  booked_at: Date;
  cancelled_at: Date | null;
  checked_in_at: Date | null;
  no_show_at: Date | null;
}

export interface AppointmentView extends AppointmentRow {
  hall_name: string;
  service_name: string;
}

const VIEW = `SELECT a.*, h.name AS hall_name, s.name AS service_name
                FROM queue.appointment a JOIN queue.hall h ON h.id = a.hall_id JOIN queue.service s ON s.id = a.service_id`;

export const insertAppointment = (q: Queryable, a: Omit<AppointmentRow, 'cancel_reason' | 'ticket_id' | 'cancelled_at' | 'checked_in_at' | 'no_show_at'>) =>
  q.query(
    `INSERT INTO queue.appointment (id, hall_id, service_id, slot_id, day, starts_at, ends_at, account_id, name,
       id_number_enc, id_number_hash, phone_enc, status, booked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [a.id, a.hall_id, a.service_id, a.slot_id, a.day, a.starts_at, a.ends_at, a.account_id, a.name,
      a.id_number_enc, a.id_number_hash, a.phone_enc, a.status, a.booked_at],
  );

export const findAppointment = async (q: Queryable, id: string) =>
  (await q.query<AppointmentView>(`${VIEW} WHERE a.id = $1`, [id]))[0];

export const lockAppointment = async (q: Queryable, id: string) =>
  (await q.query<AppointmentRow>('SELECT * FROM queue.appointment WHERE id = $1 FOR UPDATE', [id]))[0];

export const listAppointmentsOfAccount = (q: Queryable, accountId: string, fromDay: string) =>
  q.query<AppointmentView>(`${VIEW} WHERE a.account_id = $1 AND a.day >= $2 ORDER BY a.starts_at`, [accountId, fromDay]);

/** A live appointment of the same person (account or ID number) for the service on the day. */
export const findLiveDuplicate = async (q: Queryable, serviceId: string, day: string, accountId: string, idNumberHash: string) =>
  (
    await q.query<{ id: string }>(
      `SELECT id FROM queue.appointment
        WHERE service_id = $1 AND day = $2 AND status IN ('booked', 'checked_in')
          AND (account_id = $3 OR id_number_hash = $4) LIMIT 1`,
      [serviceId, day, accountId, idNumberHash],
    )
  )[0];

/** No-shows of a person (account or ID number) on days from `fromDay`, newest first. */
export const listNoShows = (q: Queryable, accountId: string, idNumberHash: string, fromDay: string) =>
  q.query<{ day: string }>(
    `SELECT day FROM queue.appointment
      WHERE status = 'no_show' AND day >= $3 AND (account_id = $1 OR id_number_hash = $2)
      ORDER BY day DESC`,
    [accountId, idNumberHash, fromDay],
  );

/** Booked appointments of an ID number at a hall on a day, earliest first, locked. */
export const lockBookedByIdNumber = (q: Queryable, hallId: string, day: string, idNumberHash: string) =>
  q.query<AppointmentRow>(
    `SELECT * FROM queue.appointment WHERE hall_id = $1 AND day = $2 AND id_number_hash = $3 AND status = 'booked'
      ORDER BY starts_at FOR UPDATE`,
    [hallId, day, idNumberHash],
  );

export const lockBookedOfSlots = (q: Queryable, slotIds: string[]) =>
  q.query<AppointmentRow>(`SELECT * FROM queue.appointment WHERE slot_id = ANY($1::uuid[]) AND status = 'booked' FOR UPDATE`, [slotIds]);

/** Booked appointments of days before `day`: nobody came. */
export const lockMissedBefore = (q: Queryable, day: string, limit: number) =>
  q.query<AppointmentRow>(
    `SELECT * FROM queue.appointment WHERE status = 'booked' AND day < $1 ORDER BY day, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [day, limit],
  );

export const setStatus = (
  q: Queryable,
  id: string,
  status: AppointmentRow['status'],
  at: Date,
  extra: { cancelReason?: AppointmentRow['cancel_reason']; ticketId?: string } = {},
) =>
  q.query(
    `UPDATE queue.appointment SET status = $2,
       cancelled_at = CASE WHEN $2 = 'cancelled' THEN $3 ELSE cancelled_at END,
       checked_in_at = CASE WHEN $2 = 'checked_in' THEN $3 ELSE checked_in_at END,
       no_show_at = CASE WHEN $2 = 'no_show' THEN $3 ELSE no_show_at END,
       cancel_reason = COALESCE($4, cancel_reason),
       ticket_id = COALESCE($5::uuid, ticket_id)
     WHERE id = $1`,
    [id, status, at, extra.cancelReason ?? null, extra.ticketId ?? null],
  );
