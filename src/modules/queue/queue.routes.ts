import { Type } from 'typebox';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import { notFound } from '../../platform/errors.ts';
import type { Platform } from '../../platform/module.ts';
import { bookAppointment, cancelAppointment, checkIn, myAppointments } from './appointments.service.ts';
import { hallBoard, windowPanel } from './board.service.ts';
import { HallFeed } from './hall-feed.ts';
import { addService, addWindow, assertMayAct, createHall, describeHall, listHalls, listSlots, requireHall, setWorkProfile, syncSlots } from './halls.service.ts';
import { hallMetrics } from './metrics.service.ts';
import {
  Appointment,
  AppointmentId,
  BookBody,
  Board,
  CallReply,
  CallTicketBody,
  CheckInBody,
  CounterTicketBody,
  CreateHallBody,
  CreateServiceBody,
  CreateWindowBody,
  FinishBody,
  GreenChannelBody,
  Hall,
  HallId,
  HallSummary,
  HallWindow,
  IssuedTicket,
  IssueTicketBody,
  Metrics,
  MetricsQuery,
  Service,
  ServiceId,
  Slot,
  SlotsQuery,
  Ticket,
  TicketId,
  TransferBody,
  WindowId,
  WindowPanel,
  WorkProfileBody,
} from './queue.schemas.ts';
import {
  callNext,
  callTicket,
  cancelMyTicket,
  closeWindow,
  finishTicket,
  holdTicket,
  issueTicket,
  myTickets,
  openWindow,
  recallTicket,
  resumeTicket,
  setGreenChannel,
  skipTicket,
  standingOf,
  startServing,
  toTicket,
  transferTicket,
} from './tickets.service.ts';
import { findTicket } from './tickets.repository.ts';

const tags = ['queue'];
const Items = <T extends Parameters<typeof Type.Array>[0]>(t: T) => Type.Object({ items: Type.Array(t) });
const CheckedIn = Type.Intersect([IssuedTicket, Type.Object({ appointmentId: Type.String(), isLate: Type.Boolean() })]);
const SlotSync = Type.Object({ created: Type.Integer(), closedSlots: Type.Integer(), cancelledAppointments: Type.Integer(), until: Type.Union([Type.String(), Type.Null()]) });

export function queueRoutes(app: App, platform: Platform) {
  // ---------- public: halls, board, live feed, slots, kiosk ----------

  app.get('/api/queue/halls', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'Service halls', response: { 200: Items(HallSummary) } },
  }, async () => ({ items: await listHalls(platform) }));

  app.get('/api/queue/halls/:hallId', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'A hall with its services, number ranges, windows and work profiles', params: HallId, response: { 200: Hall, ...errors(404) } },
  }, async (req) => describeHall(platform, req.params.hallId));

  app.get('/api/queue/halls/:hallId/board', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'What the hall display shows: windows, waiting per service with estimates, recent calls', params: HallId, response: { 200: Board, ...errors(404) } },
  }, async (req) => hallBoard(platform, req.params.hallId));

  const feed = new HallFeed(platform);
  // Open event streams would keep app.close() waiting for ever: end them first.
  app.addHook('preClose', async () => feed.close());

  app.get('/api/queue/halls/:hallId/events', {
    config: { scope: 'public', audit: false },
    schema: {
      tags,
      summary: 'Live hall events (Server-Sent Events): called, recalled, serving, finished, skipped, transferred, issued, window_opened, window_closed',
      params: HallId,
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })) }),
      response: { 200: Type.String({ description: 'text/event-stream; each event: id, event (the kind) and JSON data' }), ...errors(404) },
    },
  }, async (req, reply) => {
    await requireHall(platform.db, req.params.hallId);
    const last = req.headers['last-event-id'];
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    raw.write('retry: 3000\n\n');
    const isGone = () => raw.writableEnded || raw.destroyed;
    const client = { send: (m: string) => void (isGone() || raw.write(m)), end: () => void (isGone() || raw.end()) };
    try {
      const unsubscribe = await feed.subscribe(req.params.hallId, client, last === undefined ? undefined : Number(last));
      // The display may have hung up while we subscribed.
      if (req.raw.destroyed) unsubscribe();
      else req.raw.on('close', unsubscribe);
    } catch (err) {
      req.log.error({ err }, 'hall feed subscription failed');
      client.end(); // the browser reconnects after `retry`
    }
  });

  app.get('/api/queue/services/:serviceId/slots', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'Bookable slots of a service with places left (default: the next 31 days)', params: ServiceId, querystring: SlotsQuery, response: { 200: Items(Slot), ...errors(400, 404, 409) } },
  }, async (req) => ({ items: await listSlots(platform, req.params.serviceId, req.query) }));

  app.post('/api/queue/halls/:hallId/tickets', {
    config: { scope: 'public', audit: 'queue.ticket.issue' },
    schema: { tags, summary: 'Take a walk-in ticket at the kiosk (an ID number of someone elderly gives the green channel)', params: HallId, body: IssueTicketBody, response: { 201: IssuedTicket, ...errors(400, 404, 409, 429) } },
  }, async (req, reply) =>
    reply.status(201).send(await issueTicket(platform, { hallId: req.params.hallId, serviceId: req.body.serviceId, channel: 'kiosk', idNumber: req.body.idNumber }, actionContext(req))));

  app.post('/api/queue/halls/:hallId/check-in', {
    config: { scope: 'public', audit: 'queue.appointment.check-in' },
    schema: { tags, summary: "Check in an appointment of today by its QR code token or the booker's ID number", params: HallId, body: CheckInBody, response: { 201: CheckedIn, ...errors(400, 404, 409) } },
  }, async (req, reply) => reply.status(201).send(await checkIn(platform, req.params.hallId, req.body, actionContext(req))));

  app.get('/api/queue/tickets/:ticketId', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'A ticket and where it stands (the id is the secret printed on the ticket)', params: TicketId, response: { 200: IssuedTicket, ...errors(404) } },
  }, async (req) => {
    const t = await findTicket(platform.db, req.params.ticketId);
    if (!t) throw notFound('TICKET_NOT_FOUND', `no ticket ${req.params.ticketId}`);
    const hall = await requireHall(platform.db, t.hall_id);
    return { ticket: toTicket(t), hallName: hall.name, ...(await standingOf(platform, t)) };
  });

  // ---------- citizens: phone tickets and appointments ----------

  app.post('/api/queue/halls/:hallId/my-tickets', {
    config: { scope: 'portal:use', audit: 'queue.ticket.issue' },
    schema: { tags, summary: 'Take a ticket from the phone (one open ticket per hall)', params: HallId, body: IssueTicketBody, response: { 201: IssuedTicket, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) =>
    reply.status(201).send(await issueTicket(platform, { hallId: req.params.hallId, serviceId: req.body.serviceId, channel: 'phone', idNumber: req.body.idNumber, accountId: req.principal!.userId }, actionContext(req))));

  app.get('/api/queue/my/tickets', {
    config: { scope: 'portal:use', audit: false },
    schema: { tags, summary: "The caller's tickets today and where they stand", response: { 200: Items(IssuedTicket), ...errors(401, 403) } },
  }, async (req) => ({ items: await myTickets(platform, req.principal!.userId) }));

  app.post('/api/queue/my/tickets/:ticketId/cancel', {
    config: { scope: 'portal:use', audit: 'queue.ticket.cancel' },
    schema: { tags, summary: 'Give up a waiting ticket of ones own', params: TicketId, response: { 200: Ticket, ...errors(401, 403, 404, 409) } },
  }, async (req) => cancelMyTicket(platform, req.params.ticketId, req.principal!.userId, actionContext(req)));

  app.post('/api/queue/appointments', {
    config: { scope: 'portal:use', audit: 'queue.appointment.book' },
    schema: { tags, summary: 'Book a slot (one per service and day; too many no-shows block booking)', body: BookBody, response: { 201: Appointment, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => reply.status(201).send(await bookAppointment(platform, req.body, actionContext(req))));

  app.get('/api/queue/my/appointments', {
    config: { scope: 'portal:use', audit: false },
    schema: { tags, summary: "The caller's appointments (from 30 days back), with check-in codes for booked ones", response: { 200: Items(Appointment), ...errors(401, 403) } },
  }, async (req) => ({ items: await myAppointments(platform, req.principal!.userId) }));

  app.post('/api/queue/appointments/:appointmentId/cancel', {
    config: { scope: 'portal:use', audit: 'queue.appointment.cancel' },
    schema: { tags, summary: 'Cancel an appointment of ones own before its slot starts', params: AppointmentId, response: { 200: Appointment, ...errors(401, 403, 404, 409) } },
  }, async (req) => cancelAppointment(platform, req.params.appointmentId, actionContext(req)));

  // ---------- clerks: counter tickets and calling ----------

  app.post('/api/queue/halls/:hallId/counter-tickets', {
    config: { scope: 'hall:use', audit: 'queue.ticket.issue' },
    schema: { tags, summary: 'Issue a ticket at the guide desk, with the green channel where it applies', params: HallId, body: CounterTicketBody, response: { 201: IssuedTicket, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) =>
    reply.status(201).send(await issueTicket(platform, { hallId: req.params.hallId, serviceId: req.body.serviceId, channel: 'counter', idNumber: req.body.idNumber, greenChannel: req.body.greenChannel }, actionContext(req))));

  app.get('/api/queue/windows/:windowId/panel', {
    config: { scope: 'hall:use', audit: false },
    schema: { tags, summary: "A clerk's window: its ticket, held tickets, who waits for it", params: WindowId, response: { 200: WindowPanel, ...errors(401, 403, 404) } },
  }, async (req) => windowPanel(platform, req.params.windowId, actionContext(req)));

  app.post('/api/queue/windows/:windowId/open', {
    config: { scope: 'hall:use', audit: 'queue.window.open' },
    schema: { tags, summary: 'Open the window (the caller works there)', params: WindowId, response: { 200: HallWindow, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => openWindow(platform, req.params.windowId, actionContext(req)));

  app.post('/api/queue/windows/:windowId/close', {
    config: { scope: 'hall:use', audit: 'queue.window.close' },
    schema: { tags, summary: 'Close the window', params: WindowId, response: { 200: HallWindow, ...errors(401, 403, 404, 409) } },
  }, async (req) => closeWindow(platform, req.params.windowId, actionContext(req)));

  app.post('/api/queue/windows/:windowId/call-next', {
    config: { scope: 'hall:use', audit: 'queue.ticket.call' },
    schema: { tags, summary: 'Call the next ticket: priority, then the work profile, then waiting time (ticket null: nobody waits)', params: WindowId, response: { 200: CallReply, ...errors(401, 403, 404, 409) } },
  }, async (req) => ({ ticket: await callNext(platform, req.params.windowId, actionContext(req)) }));

  app.post('/api/queue/windows/:windowId/call', {
    config: { scope: 'hall:use', audit: 'queue.ticket.call' },
    schema: { tags, summary: 'Call one waiting ticket out of turn', params: WindowId, body: CallTicketBody, response: { 200: CallReply, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => ({ ticket: await callTicket(platform, req.params.windowId, req.body.ticketId, actionContext(req)) }));

  const simple = [
    ['recall', 'Call the ticket again (on the display and by voice)', recallTicket],
    ['start', 'The citizen is at the window: start serving', startServing],
    ['skip', 'Nobody came: the ticket is a no-show (过号)', skipTicket],
    ['hold', 'Put the ticket on hold at this window (e.g. the citizen fetches a document)', holdTicket],
    ['resume', 'Serve a held ticket again', resumeTicket],
  ] as const;
  for (const [action, summary, fn] of simple) {
    app.post(`/api/queue/tickets/:ticketId/${action}`, {
      config: { scope: 'hall:use', audit: `queue.ticket.${action}` },
      schema: { tags, summary, params: TicketId, response: { 200: Ticket, ...errors(401, 403, 404, 409) } },
    }, async (req) => fn(platform, (req.params as { ticketId: string }).ticketId, actionContext(req)));
  }

  app.post('/api/queue/tickets/:ticketId/transfer', {
    config: { scope: 'hall:use', audit: 'queue.ticket.transfer' },
    schema: { tags, summary: 'Send the ticket to another service and/or window; it keeps its original place in the queue', params: TicketId, body: TransferBody, response: { 200: Ticket, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => transferTicket(platform, req.params.ticketId, req.body, actionContext(req)));

  app.post('/api/queue/tickets/:ticketId/finish', {
    config: { scope: 'hall:use', audit: 'queue.ticket.finish' },
    schema: { tags, summary: 'Finish serving, naming the services delivered (emits queue.ticket.finished for the rating prompt)', params: TicketId, body: FinishBody, response: { 200: Ticket, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => finishTicket(platform, req.params.ticketId, req.body.services, actionContext(req)));

  app.post('/api/queue/tickets/:ticketId/green-channel', {
    config: { scope: 'hall:use', audit: 'queue.ticket.green-channel' },
    schema: { tags, summary: 'Put a waiting ticket on the green channel (绿色通道)', params: TicketId, body: GreenChannelBody, response: { 200: Ticket, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => setGreenChannel(platform, req.params.ticketId, req.body.reason, actionContext(req)));

  // ---------- administrators: set-up ----------

  app.post('/api/queue/halls', {
    config: { scope: 'hall:manage', audit: 'queue.hall.create' },
    schema: { tags, summary: 'Set up a hall', body: CreateHallBody, response: { 201: Hall, ...errors(400, 401, 403, 409) } },
  }, async (req, reply) => reply.status(201).send(await createHall(platform, req.body, actionContext(req))));

  app.post('/api/queue/halls/:hallId/services', {
    config: { scope: 'hall:manage', audit: 'queue.service.create' },
    schema: { tags, summary: 'Offer a service in the hall, with its number ranges (号段)', params: HallId, body: CreateServiceBody, response: { 201: Service, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => reply.status(201).send(await addService(platform, req.params.hallId, req.body, actionContext(req))));

  app.post('/api/queue/halls/:hallId/windows', {
    config: { scope: 'hall:manage', audit: 'queue.window.create' },
    schema: { tags, summary: 'Add a window with its work profile', params: HallId, body: CreateWindowBody, response: { 201: HallWindow, ...errors(400, 401, 403, 404, 409) } },
  }, async (req, reply) => reply.status(201).send(await addWindow(platform, req.params.hallId, req.body, actionContext(req))));

  app.put('/api/queue/windows/:windowId/profile', {
    config: { scope: 'hall:manage', audit: 'queue.window.profile' },
    schema: { tags, summary: 'Replace the services a window serves and their priorities', params: WindowId, body: WorkProfileBody, response: { 200: HallWindow, ...errors(400, 401, 403, 404) } },
  }, async (req) => setWorkProfile(platform, req.params.windowId, req.body.services, actionContext(req)));

  app.post('/api/queue/halls/:hallId/slots/sync', {
    config: { scope: 'hall:manage', audit: 'queue.slot.close' },
    schema: { tags, summary: 'Make slots for the coming working days now and close days that stopped being working days', params: HallId, response: { 200: SlotSync, ...errors(401, 403, 404) } },
  }, async (req) => {
    const hall = await requireHall(platform.db, req.params.hallId);
    assertMayAct(actionContext(req), 'hall:manage', hall);
    return syncSlots(platform, hall.id, actionContext(req));
  });

  // ---------- supervisors ----------

  app.get('/api/queue/halls/:hallId/metrics', {
    config: { scope: 'dashboard:read', audit: false },
    schema: { tags, summary: 'Average wait and handling per service and window, no-show rate, appointment fulfilment, tickets per hour', params: HallId, querystring: MetricsQuery, response: { 200: Metrics, ...errors(400, 401, 403, 404) } },
  }, async (req) => hallMetrics(platform, req.params.hallId, req.query.from, req.query.to, actionContext(req)));
}
