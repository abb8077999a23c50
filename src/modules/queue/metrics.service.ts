import { badRequest } from '../../platform/errors.ts';
import type { Platform } from '../../platform/module.ts';
import { assertMayAct, requireHall, type Ctx } from './halls.service.ts';
import * as repo from './metrics.repository.ts';
import { addDays } from './queue.rules.ts';
import type { Metrics } from './queue.schemas.ts';

// The hall's performance over a range of days. The formulas, in one place:
//   average wait        = mean length of the waiting periods that ended in a call
//   average handling    = mean serving time per ticket and window (holds excluded, serving summed)
//   no-show rate        = tickets skipped as no-show / tickets called
//   appointment fulfilment = appointments checked in and finished / appointments due
//   appointment no-show = appointments nobody came to / appointments due
//   (due = not cancelled, and the slot has started)
//   tickets per hour    = tickets issued and finished in each local hour of the day, summed over the range

/** n / d to four places, or null when there is nothing to divide by. */
export const rate = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

const seconds = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(Number(v)));

const MAX_DAYS = 92;

export async function hallMetrics(platform: Platform, hallId: string, from: string, to: string, ctx: Ctx): Promise<Metrics> {
  const hall = await requireHall(platform.db, hallId);
  assertMayAct(ctx, 'dashboard:read', hall);
  if (to < from || addDays(from, MAX_DAYS) < to) throw badRequest('DATE_RANGE_INVALID', `to must be on or after from, at most ${MAX_DAYS} days later`);
  const db = platform.db;
  const r = { hallId, from, to };
  const [counts, byService, waits, windowWaits, handling, windows, appts, perHour] = await Promise.all([
    repo.ticketCounts(db, r),
    repo.ticketCountsByService(db, r),
    repo.averageWaitByService(db, r),
    repo.averageWaitByWindow(db, r),
    repo.averageHandling(db, r),
    repo.windowsServed(db, r),
    repo.appointmentCounts(db, r, platform.clock.now()),
    repo.ticketsPerHour(db, r),
  ]);
  const waitOf = (serviceId: string) => seconds(waits.find((w) => !w.is_total && w.service_id === serviceId)?.seconds);
  const handlingOf = (by: 'service' | 'window', id: string) =>
    seconds(handling.find((h) => h.by === by && (by === 'service' ? h.service_id : h.window_id) === id)?.seconds);
  return {
    hallId,
    from,
    to,
    tickets: { issued: counts.issued, finished: counts.finished, noShow: counts.no_show, cancelled: counts.cancelled },
    averageWaitSeconds: seconds(waits.find((w) => w.is_total)?.seconds),
    averageHandlingSeconds: seconds(handling.find((h) => h.by === 'all')?.seconds),
    noShowRate: rate(counts.no_show, counts.called),
    appointments: {
      due: appts.due,
      checkedIn: appts.checked_in,
      fulfilled: appts.fulfilled,
      noShow: appts.no_show,
      cancelled: appts.cancelled,
      fulfilmentRate: rate(appts.fulfilled, appts.due),
      noShowRate: rate(appts.no_show, appts.due),
    },
    byService: byService.map((s) => ({
      serviceId: s.service_id,
      name: s.name,
      issued: s.issued,
      finished: s.finished,
      noShow: s.no_show,
      averageWaitSeconds: waitOf(s.service_id),
      averageHandlingSeconds: handlingOf('service', s.service_id),
      noShowRate: rate(s.no_show, s.called),
    })),
    byWindow: windows.map((w) => ({
      windowId: w.window_id,
      number: w.number,
      name: w.name,
      served: w.served,
      averageWaitSeconds: seconds(windowWaits.find((x) => x.window_id === w.window_id)?.seconds),
      averageHandlingSeconds: handlingOf('window', w.window_id),
    })),
    ticketsPerHour: perHour,
  };
}
