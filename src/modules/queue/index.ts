// queue: the service hall's appointments and queue (预约叫号): halls, windows and their work profiles,
// number ranges, appointment slots on working days, tickets from the kiosk, the phone and check-in,
// calling at the windows with a timed period ledger per ticket, the live hall display, and metrics.
import { fileURLToPath } from 'node:url';
import { systemActor } from '../../platform/audit.ts';
import { defineModule } from '../../platform/module.ts';
import { DEMO_HALL, DEMO_SERVICES, DEMO_WINDOWS } from './fixtures/demo-hall.ts';
import * as hallsRepo from './halls.repository.ts';
import { addService, addWindow, createHall, syncSlots } from './halls.service.ts';
import { registerQueueJobs } from './queue.jobs.ts';
import { queueRoutes } from './queue.routes.ts';

export { hallMetrics } from './metrics.service.ts';
export { getTicket } from './tickets.service.ts';
export { TRANSITIONS, type TicketState, type TicketAction } from './queue.rules.ts';
export type { Ticket, Appointment, Hall, Metrics } from './queue.schemas.ts';

/**
 * Events other modules may subscribe to. `queue.ticket.finished` carries the hall, window, staff
 * member, services delivered (with their catalogue item codes) and the wait and handling seconds:
 * what a window's tablet needs to ask the citizen for a rating.
 */
export const QUEUE_EVENTS = [
  'queue.ticket.issued',
  'queue.ticket.called',
  'queue.ticket.transferred',
  'queue.ticket.skipped',
  'queue.ticket.finished',
  'queue.ticket.cancelled',
  'queue.appointment.booked',
  'queue.appointment.cancelled',
  'queue.appointment.checked_in',
  'queue.appointment.missed',
] as const;

export const queueModule = defineModule({
  name: 'queue',
  migrations: { owner: 'queue', dir: fileURLToPath(new URL('./migrations/', import.meta.url)) },
  routes: queueRoutes,
  jobs: registerQueueJobs,
  async seed(platform, { demo, log }) {
    if (!demo) return;
    const ctx = { actor: systemActor('seed') };
    let hall = await hallsRepo.findHallByCode(platform.db, DEMO_HALL.code);
    if (!hall) {
      const created = await createHall(platform, DEMO_HALL, ctx);
      const serviceIds = new Map<string, string>();
      for (const { prefix, hasAppointments, ...s } of DEMO_SERVICES) {
        const service = await addService(platform, created.id, {
          ...s,
          walkInRange: { prefix, first: 1, last: 799 },
          ...(hasAppointments ? { appointmentRange: { prefix, first: 801, last: 999 } } : {}),
        }, ctx);
        serviceIds.set(s.code, service.id);
      }
      for (const w of DEMO_WINDOWS) {
        await addWindow(platform, created.id, { number: w.number, name: w.name, kind: w.kind, services: w.serves.map((code, i) => ({ serviceId: serviceIds.get(code)!, priority: i + 1 })) }, ctx);
      }
      hall = (await hallsRepo.findHall(platform.db, created.id))!;
      log(`queue: set up ${hall.name} (${DEMO_SERVICES.length} services, ${DEMO_WINDOWS.length} windows)`);
    }
    const slots = await syncSlots(platform, hall.id, ctx);
    if (slots.created) log(`queue: ${slots.created} appointment slots until ${slots.until}`);
  },
});
