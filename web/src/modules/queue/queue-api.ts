// The hall queue's API, typed for the pages. Shapes follow src/modules/queue/queue.schemas.ts.
import { request } from '../../api.ts';

export interface HallSummary {
  id: string;
  code: string;
  name: string;
  address: string | null;
}

export interface QueueService {
  id: string;
  code: string;
  name: string;
  isBookable: boolean;
  ranges: { purpose: 'walk_in' | 'appointment'; prefix: string; first: number; last: number }[];
}

export interface HallWindow {
  id: string;
  number: number;
  name: string;
  kind: 'general' | 'special';
  isOpen: boolean;
  staffName: string | null;
  services: { serviceId: string; priority: number }[];
}

export interface Hall extends HallSummary {
  openingHours: { from: string; to: string }[];
  services: QueueService[];
  windows: HallWindow[];
}

export interface Ticket {
  id: string;
  hallId: string;
  day: string;
  number: string;
  serviceId: string;
  serviceName: string;
  channel: string;
  state: 'waiting' | 'called' | 'serving' | 'held' | 'finished' | 'no_show' | 'cancelled';
  priority: number;
  priorityReason: string | null;
  windowId: string | null;
  windowNumber: number | null;
  targetWindowId: string | null;
  appointmentId: string | null;
  callCount: number;
  issuedAt: string;
  queuedAt: string;
  finishedAt: string | null;
}

export interface IssuedTicket {
  ticket: Ticket;
  hallName: string;
  ahead: number;
  estimatedWaitMinutes: number;
}

export interface Board {
  hall: HallSummary;
  day: string;
  isOpen: boolean;
  windows: { id: string; number: number; name: string; kind: string; isOpen: boolean; current: { number: string; state: string } | null }[];
  services: { id: string; code: string; name: string; prefix: string; waiting: number; estimatedWaitMinutes: number; isBookable: boolean }[];
  recentCalls: { number: string; windowNumber: number; windowName: string; at: string }[];
}

export interface Slot {
  id: string;
  serviceId: string;
  day: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  remaining: number;
}

export interface Appointment {
  id: string;
  hallId: string;
  hallName: string;
  serviceId: string;
  serviceName: string;
  day: string;
  startsAt: string;
  endsAt: string;
  name: string;
  idNumberMasked: string;
  status: 'booked' | 'cancelled' | 'checked_in' | 'no_show';
  cancelReason: string | null;
  ticketId: string | null;
  checkInToken: string | null;
}

export interface WaitingTicket {
  id: string;
  number: string;
  serviceId: string;
  serviceName: string;
  priority: number;
  priorityReason: string | null;
  targetWindowId: string | null;
  queuedAt: string;
  waitedMinutes: number;
}

export interface WindowPanel {
  window: HallWindow;
  hallName: string;
  isMine: boolean;
  current: Ticket | null;
  held: Ticket[];
  waiting: WaitingTicket[];
  servedToday: number;
}

export interface HallEvent {
  id: number;
  kind: string;
  at: string;
  number: string | null;
  windowNumber: number | null;
  windowName: string | null;
  serviceName: string | null;
}

const q = '/api/queue';

export const queueApi = {
  halls: () => request<{ items: HallSummary[] }>('GET', `${q}/halls`),
  hall: (id: string) => request<Hall>('GET', `${q}/halls/${id}`),
  board: (id: string) => request<Board>('GET', `${q}/halls/${id}/board`),
  slots: (serviceId: string) => request<{ items: Slot[] }>('GET', `${q}/services/${serviceId}/slots`),
  takeTicket: (hallId: string, serviceId: string, idNumber?: string) =>
    request<IssuedTicket>('POST', `${q}/halls/${hallId}/tickets`, idNumber ? { serviceId, idNumber } : { serviceId }),
  checkIn: (hallId: string, body: { token: string } | { idNumber: string }) =>
    request<IssuedTicket & { isLate: boolean }>('POST', `${q}/halls/${hallId}/check-in`, body),
  takePhoneTicket: (hallId: string, serviceId: string) => request<IssuedTicket>('POST', `${q}/halls/${hallId}/my-tickets`, { serviceId }),
  myTickets: () => request<{ items: IssuedTicket[] }>('GET', `${q}/my/tickets`),
  cancelMyTicket: (id: string) => request<Ticket>('POST', `${q}/my/tickets/${id}/cancel`),
  book: (body: { slotId: string; name: string; idNumber: string; phone?: string }) => request<Appointment>('POST', `${q}/appointments`, body),
  myAppointments: () => request<{ items: Appointment[] }>('GET', `${q}/my/appointments`),
  cancelAppointment: (id: string) => request<Appointment>('POST', `${q}/appointments/${id}/cancel`),
  panel: (windowId: string) => request<WindowPanel>('GET', `${q}/windows/${windowId}/panel`),
  openWindow: (windowId: string) => request<HallWindow>('POST', `${q}/windows/${windowId}/open`),
  closeWindow: (windowId: string) => request<HallWindow>('POST', `${q}/windows/${windowId}/close`),
  callNext: (windowId: string) => request<{ ticket: Ticket | null }>('POST', `${q}/windows/${windowId}/call-next`),
  call: (windowId: string, ticketId: string) => request<{ ticket: Ticket | null }>('POST', `${q}/windows/${windowId}/call`, { ticketId }),
  act: (ticketId: string, action: 'recall' | 'start' | 'skip' | 'hold' | 'resume') => request<Ticket>('POST', `${q}/tickets/${ticketId}/${action}`),
  transfer: (ticketId: string, body: { serviceId?: string; windowId?: string }) => request<Ticket>('POST', `${q}/tickets/${ticketId}/transfer`, body),
  finish: (ticketId: string, services: string[]) => request<Ticket>('POST', `${q}/tickets/${ticketId}/finish`, { services }),
};

/** Local (China) time of an instant, HH:MM. */
export const hhmm = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(11, 16);

/** The first hall, or the one named in ?hall=. */
export async function pickHall(wanted: unknown): Promise<HallSummary | undefined> {
  const { items } = await queueApi.halls();
  return items.find((h) => h.id === wanted || h.code === wanted) ?? items[0];
}
