import type { Platform } from '../../platform/module.ts';
import { notFound } from '../../platform/errors.ts';
import * as hallsRepo from './halls.repository.ts';
import { assertMayAct, requireHall, toWindow, type Ctx } from './halls.service.ts';
import { chinaDay, estimateWaitMinutes, isIssuingOpen } from './queue.rules.ts';
import type { Board } from './queue.schemas.ts';
import * as repo from './tickets.repository.ts';
import { toTicket } from './tickets.service.ts';

// What the hall shows: the public board (display screen, kiosk) and a clerk's window panel.

/** The display's state: windows and the number at each, waiting per service with estimates, recent calls. */
export async function hallBoard(platform: Platform, hallId: string): Promise<Board> {
  const db = platform.db;
  const hall = await requireHall(db, hallId);
  const now = platform.clock.now();
  const day = chinaDay(now);
  const since = new Date(now.getTime() - 3 * 3600_000);
  const [windows, services, ranges, profiles, waiting, current, calls] = await Promise.all([
    hallsRepo.listWindows(db, hallId),
    hallsRepo.listServices(db, hallId),
    hallsRepo.listRanges(db, hallId),
    hallsRepo.listProfiles(db, hallId),
    repo.waitingCounts(db, hallId, day),
    repo.currentTicketsOfHall(db, hallId, day),
    repo.recentCalls(db, hallId, new Date(`${day}T00:00:00+08:00`), 8),
  ]);
  const openWindowIds = new Set(windows.filter((w) => w.staff_account_id).map((w) => w.id));
  const boardServices = [];
  for (const s of services) {
    const n = waiting.find((w) => w.service_id === s.id)?.n ?? 0;
    const openWindows = profiles.filter((p) => p.service_id === s.id && openWindowIds.has(p.window_id)).length;
    const samples = n > 0 ? await repo.recentHandlingSeconds(db, s.id, since, 20) : [];
    boardServices.push({
      id: s.id,
      code: s.code,
      name: s.name,
      prefix: ranges.find((r) => r.service_id === s.id && r.purpose === 'walk_in')?.prefix ?? '',
      waiting: n,
      // A ticket taken now waits behind everyone already waiting.
      estimatedWaitMinutes: estimateWaitMinutes({ ahead: n, openWindows, recentHandlingSeconds: samples, defaultHandlingMinutes: s.handling_minutes }),
      isBookable: s.is_bookable,
    });
  }
  return {
    hall: { id: hall.id, code: hall.code, name: hall.name, address: hall.address },
    day,
    isOpen: isIssuingOpen(hall.opening_hours, now) && (await platform.calendar.isWorkingDay(day).catch(() => false)),
    windows: windows.map((w) => {
      const c = current.find((x) => x.window_id === w.id);
      return { id: w.id, number: w.number, name: w.name, kind: w.kind, isOpen: w.staff_account_id !== null, current: c ? { number: c.display_number, state: c.state } : null };
    }),
    services: boardServices,
    recentCalls: calls.map((c) => ({ number: c.display_number ?? '', windowNumber: c.window_number ?? 0, windowName: c.window_name ?? '', at: new Date(c.at).toISOString() })),
  };
}

/** A clerk's view of one window: its ticket now, what it holds, who waits for it, served today. */
export async function windowPanel(platform: Platform, windowId: string, ctx: Ctx) {
  const db = platform.db;
  const w = await hallsRepo.findWindow(db, windowId);
  if (!w || !w.is_active) throw notFound('WINDOW_NOT_FOUND', `没有这个窗口 (no window ${windowId})`);
  const hall = await requireHall(db, w.hall_id);
  assertMayAct(ctx, 'hall:use', hall);
  const now = platform.clock.now();
  const day = chinaDay(now);
  const [atWindow, waiting, profiles, served] = await Promise.all([
    repo.ticketsAtWindow(db, w.id),
    repo.listWaitingForWindow(db, w.id, hall.id, day, 30),
    hallsRepo.listProfiles(db, hall.id),
    repo.countServedAtWindow(db, w.id, day),
  ]);
  const current = atWindow.find((t) => t.state === 'called' || t.state === 'serving');
  return {
    window: toWindow(w, profiles.filter((p) => p.window_id === w.id)),
    hallName: hall.name,
    isMine: w.staff_account_id !== null && w.staff_account_id === ctx.actor.id,
    current: current ? toTicket(current) : null,
    held: atWindow.filter((t) => t.state === 'held').map(toTicket),
    waiting: waiting.map((t) => ({
      id: t.id,
      number: t.display_number,
      serviceId: t.service_id,
      serviceName: t.service_name,
      priority: t.priority,
      priorityReason: t.priority_reason,
      targetWindowId: t.target_window_id,
      queuedAt: t.queued_at.toISOString(),
      waitedMinutes: Math.max(0, Math.floor((now.getTime() - t.queued_at.getTime()) / 60_000)),
    })),
    servedToday: served,
  };
}
