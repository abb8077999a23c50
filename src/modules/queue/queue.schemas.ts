import { Type, type Static, type TSchema } from 'typebox';

// Schemas of the hall queue API: they validate, type and document. The type shares the schema's name.

const Uuid = Type.String({ format: 'uuid' });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'local date YYYY-MM-DD' });
const HourMinute = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'local time HH:MM' });
const Instant = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const HallId = Type.Object({ hallId: Uuid });
export const WindowId = Type.Object({ windowId: Uuid });
export const TicketId = Type.Object({ ticketId: Uuid });
export const ServiceId = Type.Object({ serviceId: Uuid });
export const AppointmentId = Type.Object({ appointmentId: Uuid });

// ---------- halls, services, windows ----------

export const OpeningPeriod = Type.Object({ from: HourMinute, to: HourMinute }, { additionalProperties: false });

export const HallSettings = Type.Object(
  {
    latenessMinutes: Type.Integer({ minimum: 0, maximum: 240, description: 'minutes late an appointment keeps its priority' }),
    earlyCheckInMinutes: Type.Integer({ minimum: 0, maximum: 600, description: 'how early before its slot an appointment may check in' }),
    bookingHorizonDays: Type.Integer({ minimum: 1, maximum: 60, description: 'working days ahead that can be booked' }),
    noShowLimit: Type.Integer({ minimum: 1, maximum: 100, description: 'no-shows within the window that block booking' }),
    noShowWindowDays: Type.Integer({ minimum: 1, maximum: 3650 }),
    bookingBlockDays: Type.Integer({ minimum: 0, maximum: 3650 }),
    elderlyAge: Type.Integer({ minimum: 50, maximum: 120, description: 'age from which the green channel applies' }),
  },
  { additionalProperties: false },
);
export type HallSettings = Static<typeof HallSettings>;

export const CreateHallBody = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Z0-9][A-Z0-9-]{1,39}$' }),
    name: Type.String({ minLength: 2, maxLength: 100 }),
    orgUnitCode: Type.String({ minLength: 1, maxLength: 40 }),
    address: Type.Optional(Type.String({ maxLength: 200 })),
    openingHours: Type.Array(OpeningPeriod, { minItems: 1, maxItems: 6 }),
    settings: Type.Optional(Type.Partial(HallSettings)),
  },
  { additionalProperties: false },
);
export type CreateHallBody = Static<typeof CreateHallBody>;

export const RangeInput = Type.Object(
  {
    prefix: Type.String({ pattern: '^[A-Z]{1,2}$' }),
    first: Type.Integer({ minimum: 1, maximum: 9999 }),
    last: Type.Integer({ minimum: 1, maximum: 9999 }),
  },
  { additionalProperties: false },
);

export const CreateServiceBody = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Za-z0-9_-]{1,20}$' }),
    name: Type.String({ minLength: 2, maxLength: 100 }),
    catalogItemCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: '事项编码 of the catalogue, as text' })),
    isBookable: Type.Optional(Type.Boolean()),
    slotMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 240 })),
    slotCapacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    handlingMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 480 })),
    sortOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 9999 })),
    walkInRange: RangeInput,
    appointmentRange: Type.Optional(RangeInput),
  },
  { additionalProperties: false },
);
export type CreateServiceBody = Static<typeof CreateServiceBody>;

export const CreateWindowBody = Type.Object(
  {
    number: Type.Integer({ minimum: 1, maximum: 999 }),
    name: Type.String({ minLength: 1, maxLength: 60 }),
    kind: Type.Union([Type.Literal('general'), Type.Literal('special')], { description: 'general 综合窗口, special 专窗' }),
    services: Type.Array(Type.Object({ serviceId: Uuid, priority: Type.Integer({ minimum: 1, maximum: 99 }) }, { additionalProperties: false }), { maxItems: 100 }),
  },
  { additionalProperties: false },
);
export type CreateWindowBody = Static<typeof CreateWindowBody>;

export const WorkProfileBody = Type.Object(
  {
    services: Type.Array(Type.Object({ serviceId: Uuid, priority: Type.Integer({ minimum: 1, maximum: 99 }) }, { additionalProperties: false }), { maxItems: 100 }),
  },
  { additionalProperties: false },
);

export const NumberRange = Type.Object({
  id: Uuid,
  purpose: Type.Union([Type.Literal('walk_in'), Type.Literal('appointment')]),
  prefix: Type.String(),
  first: Type.Integer(),
  last: Type.Integer(),
});

export const Service = Type.Object({
  id: Uuid,
  hallId: Uuid,
  code: Type.String(),
  name: Type.String(),
  catalogItemCode: Nullable(Type.String()),
  isBookable: Type.Boolean(),
  slotMinutes: Type.Integer(),
  slotCapacity: Type.Integer(),
  handlingMinutes: Type.Integer(),
  ranges: Type.Array(NumberRange),
});
export type Service = Static<typeof Service>;

export const HallWindow = Type.Object({
  id: Uuid,
  hallId: Uuid,
  number: Type.Integer(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('general'), Type.Literal('special')]),
  isOpen: Type.Boolean(),
  staffName: Nullable(Type.String()),
  services: Type.Array(Type.Object({ serviceId: Uuid, priority: Type.Integer() })),
});
export type HallWindow = Static<typeof HallWindow>;

export const Hall = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  address: Nullable(Type.String()),
  openingHours: Type.Array(OpeningPeriod),
  settings: HallSettings,
  services: Type.Array(Service),
  windows: Type.Array(HallWindow),
});
export type Hall = Static<typeof Hall>;

export const HallSummary = Type.Object({ id: Uuid, code: Type.String(), name: Type.String(), address: Nullable(Type.String()) });

// ---------- slots and appointments ----------

export const Slot = Type.Object({
  id: Uuid,
  serviceId: Uuid,
  day: Day,
  startsAt: Instant,
  endsAt: Instant,
  capacity: Type.Integer(),
  remaining: Type.Integer(),
});
export type Slot = Static<typeof Slot>;

export const SlotsQuery = Type.Object(
  { from: Type.Optional(Day), to: Type.Optional(Day) },
  { additionalProperties: false },
);

export const BookBody = Type.Object(
  {
    slotId: Uuid,
    name: Type.String({ minLength: 1, maxLength: 50 }),
    idNumber: Type.String({ minLength: 1, maxLength: 30, description: '居民身份证号; stored encrypted' }),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 30 })),
  },
  { additionalProperties: false },
);
export type BookBody = Static<typeof BookBody>;

export const AppointmentStatus = Type.Union([Type.Literal('booked'), Type.Literal('cancelled'), Type.Literal('checked_in'), Type.Literal('no_show')]);

export const Appointment = Type.Object({
  id: Uuid,
  hallId: Uuid,
  hallName: Type.String(),
  serviceId: Uuid,
  serviceName: Type.String(),
  day: Day,
  startsAt: Instant,
  endsAt: Instant,
  name: Type.String(),
  idNumberMasked: Type.String(),
  status: AppointmentStatus,
  cancelReason: Nullable(Type.String()),
  ticketId: Nullable(Uuid),
  /** Shown as a QR code; the kiosk checks in with it. Only while booked. */
  checkInToken: Nullable(Type.String()),
  bookedAt: Instant,
});
export type Appointment = Static<typeof Appointment>;

export const CheckInBody = Type.Union([
  Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false }),
  Type.Object({ idNumber: Type.String({ minLength: 1, maxLength: 30 }) }, { additionalProperties: false }),
]);
export type CheckInBody = Static<typeof CheckInBody>;

// ---------- tickets ----------

export const TicketStateSchema = Type.Union([Type.Literal('waiting'), Type.Literal('called'), Type.Literal('serving'), Type.Literal('held'), Type.Literal('finished'), Type.Literal('no_show'), Type.Literal('cancelled')]);
export const PriorityReason = Type.Union([Type.Literal('appointment'), Type.Literal('elderly'), Type.Literal('disabled'), Type.Literal('key_project')]);

export const Ticket = Type.Object({
  id: Uuid,
  hallId: Uuid,
  day: Day,
  number: Type.String({ description: 'as printed and called, e.g. A012' }),
  serviceId: Uuid,
  serviceName: Type.String(),
  channel: Type.String(),
  state: TicketStateSchema,
  priority: Type.Integer(),
  priorityReason: Nullable(Type.String()),
  windowId: Nullable(Uuid),
  windowNumber: Nullable(Type.Integer()),
  targetWindowId: Nullable(Uuid),
  appointmentId: Nullable(Uuid),
  callCount: Type.Integer(),
  issuedAt: Instant,
  queuedAt: Instant,
  finishedAt: Nullable(Instant),
});
export type Ticket = Static<typeof Ticket>;

export const IssuedTicket = Type.Object({
  ticket: Ticket,
  hallName: Type.String(),
  /** Tickets that will be called before this one, as things stand. */
  ahead: Type.Integer(),
  estimatedWaitMinutes: Type.Integer(),
});
export type IssuedTicket = Static<typeof IssuedTicket>;

export const IssueTicketBody = Type.Object(
  {
    serviceId: Uuid,
    idNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 30, description: 'optional; the elderly get the green channel' })),
  },
  { additionalProperties: false },
);
export type IssueTicketBody = Static<typeof IssueTicketBody>;

export const CounterTicketBody = Type.Object(
  {
    serviceId: Uuid,
    greenChannel: Type.Optional(PriorityReason),
    idNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 30 })),
  },
  { additionalProperties: false },
);

export const GreenChannelBody = Type.Object(
  { reason: Type.Union([Type.Literal('elderly'), Type.Literal('disabled'), Type.Literal('key_project')]) },
  { additionalProperties: false },
);

export const CallTicketBody = Type.Object({ ticketId: Uuid }, { additionalProperties: false });

export const TransferBody = Type.Object(
  {
    serviceId: Type.Optional(Uuid),
    windowId: Type.Optional(Uuid),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TransferBody = Static<typeof TransferBody>;

export const FinishBody = Type.Object(
  {
    services: Type.Array(Uuid, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'the services delivered' }),
  },
  { additionalProperties: false },
);

export const CallReply = Type.Object({ ticket: Nullable(Ticket) });

export const WaitingTicket = Type.Object({
  id: Uuid,
  number: Type.String(),
  serviceId: Uuid,
  serviceName: Type.String(),
  priority: Type.Integer(),
  priorityReason: Nullable(Type.String()),
  targetWindowId: Nullable(Uuid),
  queuedAt: Instant,
  waitedMinutes: Type.Integer(),
});

export const WindowPanel = Type.Object({
  window: HallWindow,
  hallName: Type.String(),
  isMine: Type.Boolean(),
  current: Nullable(Ticket),
  held: Type.Array(Ticket),
  waiting: Type.Array(WaitingTicket),
  servedToday: Type.Integer(),
});

export const BoardService = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  waiting: Type.Integer(),
  estimatedWaitMinutes: Type.Integer(),
  isBookable: Type.Boolean(),
});

export const Board = Type.Object({
  hall: HallSummary,
  day: Day,
  isOpen: Type.Boolean(),
  windows: Type.Array(
    Type.Object({
      id: Uuid,
      number: Type.Integer(),
      name: Type.String(),
      kind: Type.String(),
      isOpen: Type.Boolean(),
      current: Nullable(Type.Object({ number: Type.String(), state: Type.String() })),
    }),
  ),
  services: Type.Array(BoardService),
  recentCalls: Type.Array(Type.Object({ number: Type.String(), windowNumber: Type.Integer(), windowName: Type.String(), at: Instant })),
});
export type Board = Static<typeof Board>;

// ---------- metrics ----------

export const MetricsQuery = Type.Object({ from: Day, to: Day }, { additionalProperties: false });

const Avg = Nullable(Type.Integer({ description: 'seconds; null when nothing to average' }));
const Rate = Nullable(Type.Number({ description: '0..1; null when the denominator is 0' }));

export const Metrics = Type.Object({
  hallId: Uuid,
  from: Day,
  to: Day,
  tickets: Type.Object({ issued: Type.Integer(), finished: Type.Integer(), noShow: Type.Integer(), cancelled: Type.Integer() }),
  averageWaitSeconds: Avg,
  averageHandlingSeconds: Avg,
  noShowRate: Rate,
  appointments: Type.Object({ due: Type.Integer(), checkedIn: Type.Integer(), fulfilled: Type.Integer(), noShow: Type.Integer(), cancelled: Type.Integer(), fulfilmentRate: Rate, noShowRate: Rate }),
  byService: Type.Array(Type.Object({ serviceId: Uuid, name: Type.String(), issued: Type.Integer(), finished: Type.Integer(), noShow: Type.Integer(), averageWaitSeconds: Avg, averageHandlingSeconds: Avg, noShowRate: Rate })),
  byWindow: Type.Array(Type.Object({ windowId: Uuid, number: Type.Integer(), name: Type.String(), served: Type.Integer(), averageWaitSeconds: Avg, averageHandlingSeconds: Avg })),
  ticketsPerHour: Type.Array(Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23 }), issued: Type.Integer(), finished: Type.Integer() })),
});
export type Metrics = Static<typeof Metrics>;
