import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { systemActor, verifyAuditChain } from '../../platform/audit.ts';
import { fixedClock } from '../../platform/clock.ts';
import { residentIdCheckChar } from '../../platform/crypto/identity-numbers.ts';
import { markNoShows } from './appointments.service.ts';
import { closePastDays, issueTicket } from './tickets.service.ts';

// The hall through its API, on every engine: the demo hall, kiosk tickets, calling with the period
// ledger, bad input at the window, transfers, appointments and check-in, no-shows, closures,
// metrics with exact figures, and two or three windows calling at once. The tests run in order on
// one hall and one moving clock, like a day (and a week) in the hall.

const idNumber = (birth: string, seq: number) => {
  const first = `440106${birth}${String(seq).padStart(3, '0')}`;
  return first + residentIdCheckChar(first);
};
const ZHANG_SAN_ID = '440106198001010019';
const ELDERLY_ID = idNumber('19500101', 21);

type Who = Awaited<ReturnType<typeof login>>;

for (const engine of await engines()) {
  describe(`hall queue on ${engine}`, () => {
    let t: TestApp;
    // Wednesday 18 November 2026, 09:30 in China.
    const clock = fixedClock('2026-11-18T01:30:00Z');
    let hallId: string;
    const svc: Record<string, string> = {};
    const win: Record<number, string> = {};
    let admin: Who, clerk: Who, clerk2: Who, citizen: Who, citizenB: Who, citizenC: Who, supervisor: Who;

    const req = async (method: string, url: string, who?: Who, payload?: unknown) => {
      const res = await t.app.inject({ method: method as 'GET', url, headers: who?.headers, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    };
    const ok = async (method: string, url: string, who?: Who, payload?: unknown) => {
      const r = await req(method, url, who, payload);
      assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const refused = async (status: number, code: string, method: string, url: string, who?: Who, payload?: unknown) => {
      const r = await req(method, url, who, payload);
      assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, `${method} ${url}: ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const kiosk = (service: string, extra: object = {}) => ok('POST', `/api/queue/halls/${hallId}/tickets`, undefined, { serviceId: svc[service], ...extra });
    const periods = (ticketId: string) =>
      t.platform.db.query<{ state: string; seconds: number | null; end_reason: string | null }>(
        `SELECT state, EXTRACT(EPOCH FROM (ended_at - started_at))::float8 AS seconds, end_reason FROM queue.ticket_period WHERE ticket_id = $1 ORDER BY id`,
        [ticketId],
      );
    const minutes = (n: number) => clock.advance(n * 60_000);

    // Sessions end after 8 idle hours: after the clock jumps a day, everyone signs in again.
    const signIn = async () => {
      const all = await Promise.all(['admin', 'clerk', 'clerk2', '13800000001', '13900000011', '13900000012', 'supervisor'].map((u) => login(t.app, u)));
      [admin, clerk, clerk2, citizen, citizenB, citizenC, supervisor] = all as [Who, Who, Who, Who, Who, Who, Who];
    };

    before(async () => {
      t = await buildTestApp(engine, { clock });
      admin = await login(t.app, 'admin');
      await ok('POST', '/api/org/accounts', admin, { username: 'clerk2', displayName: '窗口 周洁', password: 'yiwang-demo-2026', grants: [{ role: 'window_clerk', unitCode: 'YX-ZSJ' }] });
      for (const [phone, name, seq] of [['13900000011', '李四', 31], ['13900000012', '王五', 32]] as const) {
        await ok('POST', '/api/auth/register', undefined, { kind: 'citizen', phone, password: 'yiwang-demo-2026', displayName: name, idNumber: idNumber('19900202', seq) });
      }
      await signIn();
      const halls = await ok('GET', '/api/queue/halls');
      hallId = halls.items[0].id;
      const hall = await ok('GET', `/api/queue/halls/${hallId}`);
      for (const s of hall.services) svc[s.code] = s.id;
      for (const w of hall.windows) win[w.number] = w.id;
    });
    after(() => t.close());

    test('the demo hall has eight services and windows, and slots only on working days', async () => {
      const hall = await ok('GET', `/api/queue/halls/${hallId}`);
      assert.equal(hall.name, '云溪区政务服务中心');
      assert.equal(hall.services.length, 8);
      assert.equal(hall.windows.length, 8);
      const business = hall.services.find((s: { code: string }) => s.code === 'business');
      assert.deepEqual(business.ranges.map((r: { purpose: string; prefix: string; first: number; last: number }) => `${r.purpose} ${r.prefix}${r.first}-${r.last}`).sort(), ['appointment A801-999', 'walk_in A1-799']);
      const slots = (await ok('GET', `/api/queue/services/${svc.business}/slots`)).items as { day: string; startsAt: string; remaining: number }[];
      const days = [...new Set(slots.map((s) => s.day))];
      assert.deepEqual(days, ['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26']);
      for (const d of days) assert.ok(await t.platform.calendar.isWorkingDay(d), d);
      // Today only what has not started: 10:00 onwards (the clock says 09:30).
      assert.equal(slots[0]!.startsAt, '2026-11-18T02:00:00.000Z');
      assert.equal(slots.filter((s) => s.day === '2026-11-19').length, 13);
      assert.ok(slots.every((s) => s.remaining === 4));
      await refused(409, 'SERVICE_NOT_BOOKABLE', 'GET', `/api/queue/services/${svc.enquiry}/slots`);
    });

    test('kiosk tickets: consecutive numbers, the green channel for the elderly, a bad ID number refused', async () => {
      const a1 = await kiosk('business');
      const a2 = await kiosk('business');
      assert.equal(a1.ticket.number, 'A001');
      assert.equal(a2.ticket.number, 'A002');
      assert.equal(a2.ahead, 1);
      const old = await kiosk('business', { idNumber: ELDERLY_ID });
      assert.equal(old.ticket.number, 'A003');
      assert.equal(old.ticket.priorityReason, 'elderly');
      assert.equal(old.ticket.priority, 20);
      assert.equal(old.ahead, 0, 'the green channel goes first');
      assert.equal((await kiosk('business', { idNumber: ZHANG_SAN_ID })).ticket.priorityReason, null);
      await refused(400, 'ID_NUMBER_CHECKSUM', 'POST', `/api/queue/halls/${hallId}/tickets`, undefined, { serviceId: svc.business, idNumber: '440106198001010018' });
      await refused(400, 'VALIDATION_FAILED', 'POST', `/api/queue/halls/${hallId}/tickets`, undefined, { serviceId: svc.business, greenChannel: 'disabled' });
      await refused(404, 'SERVICE_NOT_FOUND', 'POST', `/api/queue/halls/${hallId}/tickets`, undefined, { serviceId: '01936a5e-8c3b-7d2e-9f10-1234567890ab' });
      // Staff at the guide desk may grant the disabled green channel.
      const desk = await ok('POST', `/api/queue/halls/${hallId}/counter-tickets`, clerk, { serviceId: svc.property, greenChannel: 'disabled' });
      assert.equal(desk.ticket.number, 'B001');
      assert.equal(desk.ticket.priorityReason, 'disabled');
      await refused(403, 'FORBIDDEN', 'POST', `/api/queue/halls/${hallId}/counter-tickets`, citizen, { serviceId: svc.property });
      // The kiosk's number A004 (张三, no priority) stays in the queue for later tests.
    });

    test('calling: green channel first, then waiting time; each phase is a timed period; finishing emits the rating hook', async () => {
      await refused(409, 'WINDOW_NOT_OPEN', 'POST', `/api/queue/windows/${win[4]}/call-next`, clerk);
      const opened = await ok('POST', `/api/queue/windows/${win[4]}/open`, clerk);
      assert.equal(opened.isOpen, true);
      minutes(2);
      const first = (await ok('POST', `/api/queue/windows/${win[4]}/call-next`, clerk)).ticket;
      assert.equal(first.number, 'A003');
      assert.equal(first.state, 'called');
      assert.equal(first.windowNumber, 4);
      await refused(409, 'WINDOW_BUSY', 'POST', `/api/queue/windows/${win[4]}/call-next`, clerk);
      await refused(409, 'TICKET_STATE_INVALID', 'POST', `/api/queue/tickets/${first.id}/finish`, clerk, { services: [svc.business] });
      assert.equal((await ok('POST', `/api/queue/tickets/${first.id}/recall`, clerk)).callCount, 2);
      minutes(1);
      await ok('POST', `/api/queue/tickets/${first.id}/start`, clerk);
      minutes(5);
      assert.equal((await ok('POST', `/api/queue/tickets/${first.id}/hold`, clerk)).state, 'held');
      minutes(2);
      await ok('POST', `/api/queue/tickets/${first.id}/resume`, clerk);
      minutes(3);
      const done = await ok('POST', `/api/queue/tickets/${first.id}/finish`, clerk, { services: [svc.business, svc.tax] });
      assert.equal(done.state, 'finished');
      assert.deepEqual(await periods(first.id), [
        { state: 'waiting', seconds: 120, end_reason: 'call' },
        { state: 'called', seconds: 60, end_reason: 'start' },
        { state: 'serving', seconds: 300, end_reason: 'hold' },
        { state: 'held', seconds: 120, end_reason: 'resume' },
        { state: 'serving', seconds: 180, end_reason: 'finish' },
      ]);
      const [event] = await t.platform.db.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM platform.outbox WHERE topic = 'queue.ticket.finished' AND key = $1`, [first.id]);
      assert.ok(event, 'queue.ticket.finished is in the outbox');
      assert.equal(event.payload.windowId, win[4]);
      assert.equal(event.payload.windowNumber, 4);
      assert.equal(event.payload.staffAccountId, clerk.userId);
      assert.deepEqual((event.payload.servicesDelivered as { code: string }[]).map((s) => s.code), ['business', 'tax']);
      assert.equal(event.payload.waitSeconds, 120);
      assert.equal(event.payload.handlingSeconds, 480);

      // Then by waiting time: A001 before A002. A no-show ends the ticket.
      const second = (await ok('POST', `/api/queue/windows/${win[4]}/call-next`, clerk)).ticket;
      assert.equal(second.number, 'A001');
      assert.equal((await ok('POST', `/api/queue/tickets/${second.id}/skip`, clerk)).state, 'no_show');
      await refused(409, 'TICKET_STATE_INVALID', 'POST', `/api/queue/tickets/${second.id}/start`, clerk);
      const third = (await ok('POST', `/api/queue/windows/${win[4]}/call-next`, clerk)).ticket;
      assert.equal(third.number, 'A002');
      await ok('POST', `/api/queue/tickets/${third.id}/start`, clerk);
      minutes(1);
      await ok('POST', `/api/queue/tickets/${third.id}/finish`, clerk, { services: [svc.business] });
      const panel = await ok('GET', `/api/queue/windows/${win[4]}/panel`, clerk);
      assert.equal(panel.isMine, true);
      assert.equal(panel.servedToday, 2);
      assert.deepEqual(panel.waiting.map((w: { number: string }) => w.number), ['A004']);
      const board = await ok('GET', `/api/queue/halls/${hallId}/board`);
      assert.equal(board.windows.find((w: { number: number }) => w.number === 4).isOpen, true);
      assert.equal(board.recentCalls[0].number, 'A002');
      assert.equal(board.services.find((s: { code: string }) => s.code === 'business').waiting, 1);
    });

    test('bad input at the window: wrong service, another clerk, no permission, unknown services', async () => {
      const c1 = await kiosk('social');
      await ok('POST', `/api/queue/windows/${win[7]}/open`, clerk);
      const mismatch = await refused(409, 'WINDOW_SERVICE_MISMATCH', 'POST', `/api/queue/windows/${win[7]}/call`, clerk, { ticketId: c1.ticket.id });
      assert.match(mismatch.message, /7 号窗口不办理“社保医保”/);
      await refused(409, 'WINDOW_TAKEN', 'POST', `/api/queue/windows/${win[4]}/call-next`, clerk2);
      await refused(409, 'WINDOW_TAKEN', 'POST', `/api/queue/windows/${win[4]}/open`, clerk2);
      const approver = await login(t.app, 'approver');
      await refused(403, 'FORBIDDEN', 'POST', `/api/queue/windows/${win[4]}/call-next`, approver);
      await refused(401, 'AUTH_REQUIRED', 'POST', `/api/queue/windows/${win[4]}/call-next`);
      await refused(404, 'WINDOW_NOT_FOUND', 'POST', `/api/queue/windows/01936a5e-8c3b-7d2e-9f10-1234567890ab/call-next`, clerk);
      // Window 6 serves 社保医保: it calls C001 out of turn, but cannot finish with a service of nowhere.
      await ok('POST', `/api/queue/windows/${win[6]}/open`, clerk2);
      const called = (await ok('POST', `/api/queue/windows/${win[6]}/call`, clerk2, { ticketId: c1.ticket.id })).ticket;
      assert.equal(called.number, 'C001');
      await ok('POST', `/api/queue/tickets/${called.id}/start`, clerk2);
      await refused(404, 'SERVICE_NOT_FOUND', 'POST', `/api/queue/tickets/${called.id}/finish`, clerk2, { services: ['01936a5e-8c3b-7d2e-9f10-1234567890ab'] });
      await refused(400, 'VALIDATION_FAILED', 'POST', `/api/queue/tickets/${called.id}/finish`, clerk2, { services: [] });
      await refused(400, 'VALIDATION_FAILED', 'POST', `/api/queue/tickets/${called.id}/transfer`, clerk2, {});
      await refused(409, 'WINDOW_TAKEN', 'POST', `/api/queue/tickets/${called.id}/finish`, clerk, { services: [svc.social] });
      await ok('POST', `/api/queue/tickets/${called.id}/finish`, clerk2, { services: [svc.social] });
      await refused(409, 'TICKET_STATE_INVALID', 'POST', `/api/queue/tickets/${called.id}/finish`, clerk2, { services: [svc.social] });
    });

    test('a transferred ticket keeps its place: it is called before tickets taken after it', async () => {
      // B001 (disabled, green channel) would go first at window 3: the 不动产 window serves it.
      await ok('POST', `/api/queue/windows/${win[5]}/open`, clerk2);
      const green = (await ok('POST', `/api/queue/windows/${win[5]}/call-next`, clerk2)).ticket;
      assert.equal(green.number, 'B001');
      await ok('POST', `/api/queue/tickets/${green.id}/start`, clerk2);
      await ok('POST', `/api/queue/tickets/${green.id}/finish`, clerk2, { services: [svc.property] });
      const d1 = await kiosk('residence');
      minutes(1);
      const e1 = await kiosk('tax');
      const e2 = await kiosk('tax');
      await ok('POST', `/api/queue/windows/${win[3]}/open`, clerk2);
      const called = (await ok('POST', `/api/queue/windows/${win[3]}/call-next`, clerk2)).ticket;
      assert.equal(called.number, 'D001');
      await refused(409, 'WINDOW_SERVICE_MISMATCH', 'POST', `/api/queue/tickets/${called.id}/transfer`, clerk2, { serviceId: svc.tax, windowId: win[5] });
      const moved = await ok('POST', `/api/queue/tickets/${called.id}/transfer`, clerk2, { serviceId: svc.tax });
      assert.equal(moved.state, 'waiting');
      assert.equal(moved.number, 'D001');
      assert.equal(moved.serviceName, '税务办理');
      assert.equal(moved.queuedAt, d1.ticket.queuedAt);
      const next = (await ok('POST', `/api/queue/windows/${win[7]}/call-next`, clerk)).ticket;
      assert.equal(next.number, 'D001', `before ${e1.ticket.number} and ${e2.ticket.number}`);
      const states = (await periods(called.id)).map((p) => `${p.state}:${p.end_reason}`);
      assert.deepEqual(states, ['waiting:call', 'called:transfer', 'waiting:call', 'called:null']);
      await ok('POST', `/api/queue/tickets/${next.id}/start`, clerk);
      await ok('POST', `/api/queue/tickets/${next.id}/finish`, clerk, { services: [svc.tax] });
      // E001 and E002 are served later in the day.
      for (const e of [e1, e2]) {
        const c = (await ok('POST', `/api/queue/windows/${win[7]}/call`, clerk, { ticketId: e.ticket.id })).ticket;
        await ok('POST', `/api/queue/tickets/${c.id}/skip`, clerk);
      }
    });

    let tomorrowConstruction: { id: string; startsAt: string };
    test('appointments: booking, double booking, a full slot, cancelling', async () => {
      const slots = (await ok('GET', `/api/queue/services/${svc.construction}/slots?from=2026-11-19&to=2026-11-19`)).items;
      tomorrowConstruction = slots[0];
      assert.equal(tomorrowConstruction.startsAt, '2026-11-19T01:00:00.000Z');
      const booked = await ok('POST', '/api/queue/appointments', citizen, { slotId: tomorrowConstruction.id, name: '张三', idNumber: ZHANG_SAN_ID, phone: '13800000001' });
      assert.equal(booked.status, 'booked');
      assert.equal(booked.idNumberMasked, '440106********0019');
      assert.equal(booked.checkInToken.length, 49);
      await refused(409, 'APPOINTMENT_DUPLICATE', 'POST', '/api/queue/appointments', citizen, { slotId: slots[1].id, name: '张三', idNumber: ZHANG_SAN_ID });
      // Another account booking for the same person is a double booking too.
      await refused(409, 'APPOINTMENT_DUPLICATE', 'POST', '/api/queue/appointments', citizenC, { slotId: slots[1].id, name: '张三', idNumber: ZHANG_SAN_ID });
      const b = await ok('POST', '/api/queue/appointments', citizenB, { slotId: tomorrowConstruction.id, name: '李四', idNumber: idNumber('19900202', 31) });
      await refused(409, 'SLOT_FULL', 'POST', '/api/queue/appointments', citizenC, { slotId: tomorrowConstruction.id, name: '王五', idNumber: idNumber('19900202', 32) });
      const after = (await ok('GET', `/api/queue/services/${svc.construction}/slots?from=2026-11-19&to=2026-11-19`)).items;
      assert.equal(after.find((s: { id: string }) => s.id === tomorrowConstruction.id).remaining, 0);
      assert.equal((await ok('POST', `/api/queue/appointments/${b.id}/cancel`, citizenB)).status, 'cancelled');
      await refused(409, 'APPOINTMENT_NOT_ACTIVE', 'POST', `/api/queue/appointments/${b.id}/cancel`, citizenB);
      await refused(404, 'APPOINTMENT_NOT_FOUND', 'POST', `/api/queue/appointments/${booked.id}/cancel`, citizenB);
      await ok('POST', '/api/queue/appointments', citizenC, { slotId: tomorrowConstruction.id, name: '王五', idNumber: idNumber('19900202', 32) });
      await refused(403, 'FORBIDDEN', 'POST', '/api/queue/appointments', clerk, { slotId: slots[2].id, name: '王敏', idNumber: ZHANG_SAN_ID });
      await refused(400, 'ID_NUMBER_CHECKSUM', 'POST', '/api/queue/appointments', citizenB, { slotId: slots[2].id, name: '李四', idNumber: '440106198001010018' });
      await refused(400, 'PHONE_INVALID', 'POST', '/api/queue/appointments', citizenB, { slotId: slots[2].id, name: '李四', idNumber: idNumber('19900202', 31), phone: '12345' });
      await refused(404, 'SLOT_NOT_FOUND', 'POST', '/api/queue/appointments', citizenB, { slotId: '01936a5e-8c3b-7d2e-9f10-1234567890ab', name: '李四', idNumber: idNumber('19900202', 31) });
      const mine = (await ok('GET', '/api/queue/my/appointments', citizen)).items;
      assert.equal(mine.length, 1);
      const raw = JSON.stringify(await t.platform.db.query('SELECT * FROM queue.appointment'));
      assert.ok(!raw.includes(ZHANG_SAN_ID) && !raw.includes('13800000001'), 'ID numbers and phones are stored encrypted only');
    });

    test('check-in by QR code and by ID number: on time keeps priority, late becomes a walk-in', async () => {
      const todayBusiness = (await ok('GET', `/api/queue/services/${svc.business}/slots?from=2026-11-18&to=2026-11-18`)).items;
      const ten = todayBusiness.find((s: { startsAt: string }) => s.startsAt === '2026-11-18T02:00:00.000Z');
      const appt = await ok('POST', '/api/queue/appointments', citizen, { slotId: ten.id, name: '张三', idNumber: ZHANG_SAN_ID });
      const afternoon = (await ok('GET', `/api/queue/services/${svc.social}/slots?from=2026-11-18&to=2026-11-18`)).items.find((s: { startsAt: string }) => s.startsAt === '2026-11-18T06:00:00.000Z');
      const later = await ok('POST', '/api/queue/appointments', citizen, { slotId: afternoon.id, name: '张三', idNumber: ZHANG_SAN_ID });
      const residenceTen = (await ok('GET', `/api/queue/services/${svc.residence}/slots?from=2026-11-18&to=2026-11-18`)).items.find((s: { startsAt: string }) => s.startsAt === '2026-11-18T02:00:00.000Z');
      await ok('POST', '/api/queue/appointments', citizenB, { slotId: residenceTen.id, name: '李四', idNumber: idNumber('19900202', 31) });

      const checkIn = (body: object) => req('POST', `/api/queue/halls/${hallId}/check-in`, undefined, body);
      const onTime = await checkIn({ token: appt.checkInToken });
      assert.equal(onTime.status, 201, JSON.stringify(onTime.body));
      assert.equal(onTime.body.ticket.number, 'A801', 'from the appointment range');
      assert.equal(onTime.body.ticket.priorityReason, 'appointment');
      assert.equal(onTime.body.isLate, false);
      await refused(409, 'APPOINTMENT_ALREADY_CHECKED_IN', 'POST', `/api/queue/halls/${hallId}/check-in`, undefined, { token: appt.checkInToken });
      const tampered = appt.checkInToken.slice(0, -2) + (appt.checkInToken.endsWith('AA') ? 'BB' : 'AA');
      await refused(400, 'CHECK_IN_TOKEN_INVALID', 'POST', `/api/queue/halls/${hallId}/check-in`, undefined, { token: tampered });
      await refused(409, 'CHECK_IN_TOO_EARLY', 'POST', `/api/queue/halls/${hallId}/check-in`, undefined, { token: later.checkInToken });
      const tomorrow = (await ok('GET', '/api/queue/my/appointments', citizenC)).items[0];
      await refused(409, 'APPOINTMENT_NOT_TODAY', 'POST', `/api/queue/halls/${hallId}/check-in`, undefined, { token: tomorrow.checkInToken });
      await refused(404, 'APPOINTMENT_NOT_FOUND', 'POST', `/api/queue/halls/${hallId}/check-in`, undefined, { idNumber: ELDERLY_ID });

      // The appointment on time goes before A004, a walk-in who came earlier.
      const called = (await ok('POST', `/api/queue/windows/${win[4]}/call-next`, clerk)).ticket;
      assert.equal(called.number, 'A801');
      await ok('POST', `/api/queue/tickets/${called.id}/start`, clerk);
      await ok('POST', `/api/queue/tickets/${called.id}/finish`, clerk, { services: [svc.business] });

      clock.set('2026-11-18T02:16:00Z'); // 10:16: sixteen minutes late for 10:00
      const late = await checkIn({ idNumber: idNumber('19900202', 31) });
      assert.equal(late.status, 201, JSON.stringify(late.body));
      assert.equal(late.body.isLate, true);
      assert.equal(late.body.ticket.number, 'D801');
      assert.equal(late.body.ticket.priorityReason, null, 'late: a walk-in');
      const mine = (await ok('GET', '/api/queue/my/appointments', citizen)).items;
      assert.equal(mine.find((a: { id: string }) => a.id === appt.id).status, 'checked_in');
      assert.equal(mine.find((a: { id: string }) => a.id === appt.id).checkInToken, null);
    });

    test('phone tickets: one open ticket per account and hall, cancelled by its owner', async () => {
      const mine = await ok('POST', `/api/queue/halls/${hallId}/my-tickets`, citizenC, { serviceId: svc.enquiry });
      assert.equal(mine.ticket.channel, 'phone');
      await refused(409, 'TICKET_ALREADY_ACTIVE', 'POST', `/api/queue/halls/${hallId}/my-tickets`, citizenC, { serviceId: svc.social });
      const listed = (await ok('GET', '/api/queue/my/tickets', citizenC)).items;
      assert.equal(listed[0].ticket.number, mine.ticket.number);
      await refused(404, 'TICKET_NOT_FOUND', 'POST', `/api/queue/my/tickets/${mine.ticket.id}/cancel`, citizenB);
      assert.equal((await ok('POST', `/api/queue/my/tickets/${mine.ticket.id}/cancel`, citizenC)).state, 'cancelled');
      await ok('POST', `/api/queue/halls/${hallId}/my-tickets`, citizenC, { serviceId: svc.social });
      assert.equal((await ok('GET', `/api/queue/tickets/${mine.ticket.id}`)).ticket.state, 'cancelled');
    });

    test('the next morning: no-shows are marked, open tickets closed, and three no-shows block booking', async () => {
      // 王五 books 税务办理 on three days and never comes.
      for (const day of ['2026-11-19', '2026-11-20', '2026-11-23']) {
        const slot = (await ok('GET', `/api/queue/services/${svc.tax}/slots?from=${day}&to=${day}`)).items[0];
        await ok('POST', '/api/queue/appointments', citizenC, { slotId: slot.id, name: '王五', idNumber: idNumber('19900202', 32) });
      }
      clock.set('2026-11-24T01:30:00Z'); // Tuesday 24 November, 09:30
      await signIn();
      assert.ok((await markNoShows(t.platform)) >= 5);
      assert.ok((await closePastDays(t.platform)) >= 3);
      const open = await t.platform.db.query(`SELECT 1 FROM queue.ticket WHERE state IN ('waiting', 'called', 'serving', 'held')`);
      assert.equal(open.length, 0);
      const openPeriods = await t.platform.db.query(`SELECT 1 FROM queue.ticket_period WHERE ended_at IS NULL`);
      assert.equal(openPeriods.length, 0);
      const windowsOpen = await t.platform.db.query(`SELECT 1 FROM queue.hall_window WHERE staff_account_id IS NOT NULL`);
      assert.equal(windowsOpen.length, 0, 'windows left open yesterday are closed');
      const slot = (await ok('GET', `/api/queue/services/${svc.tax}/slots?from=2026-11-26&to=2026-11-26`)).items[0];
      const blocked = await refused(403, 'BOOKING_BLOCKED', 'POST', '/api/queue/appointments', citizenC, { slotId: slot.id, name: '王五', idNumber: idNumber('19900202', 32) });
      assert.equal(blocked.details.until, '2026-12-23');
      // 张三 missed two (construction, the afternoon 社保): still allowed.
      await ok('POST', '/api/queue/appointments', citizen, { slotId: slot.id, name: '张三', idNumber: ZHANG_SAN_ID });
    });

    test('a closure on the calendar closes that day and cancels its appointments', async () => {
      const slot = (await ok('GET', `/api/queue/services/${svc.marriage}/slots?from=2026-11-25&to=2026-11-25`)).items[0];
      const appt = await ok('POST', '/api/queue/appointments', citizenB, { slotId: slot.id, name: '李四', idNumber: idNumber('19900202', 31) });
      await ok('PUT', '/api/calendar/overrides/2026-11-25', admin, { isWorkingDay: false, reason: '台风停工' });
      const sync = await ok('POST', `/api/queue/halls/${hallId}/slots/sync`, admin);
      assert.equal(sync.cancelledAppointments, 1);
      assert.ok(sync.closedSlots > 0);
      assert.equal(sync.until, '2026-12-03', 'seven working days from the 24th (24, 26, 27, 30, 1, 2, 3), skipping the 25th');
      const mine = (await ok('GET', '/api/queue/my/appointments', citizenB)).items.find((a: { id: string }) => a.id === appt.id);
      assert.equal(mine.status, 'cancelled');
      assert.equal(mine.cancelReason, 'hall_closed');
      const days = new Set((await ok('GET', `/api/queue/services/${svc.marriage}/slots`)).items.map((s: { day: string }) => s.day));
      assert.ok(!days.has('2026-11-25'));
      await refused(409, 'SLOT_CLOSED', 'POST', '/api/queue/appointments', citizenB, { slotId: slot.id, name: '李四', idNumber: idNumber('19900202', 31) });
      const [event] = await t.platform.db.query<{ payload: { reason: string } }>(`SELECT payload FROM platform.outbox WHERE topic = 'queue.appointment.cancelled' AND key = $1`, [appt.id]);
      assert.equal(event!.payload.reason, 'hall_closed');
      await refused(403, 'FORBIDDEN', 'POST', `/api/queue/halls/${hallId}/slots/sync`, clerk);
    });

    test('metrics: wait, handling, no-show rate, fulfilment and tickets per hour, to the second', async () => {
      clock.set('2026-11-24T01:30:00Z'); // 09:30
      const t1 = await kiosk('social');
      const t2 = await kiosk('social');
      minutes(1);
      const t3 = await kiosk('social');
      await ok('POST', `/api/queue/windows/${win[6]}/open`, clerk2);
      clock.set('2026-11-24T01:35:00Z');
      const c1 = (await ok('POST', `/api/queue/windows/${win[6]}/call-next`, clerk2)).ticket; // waited 300 s
      assert.equal(c1.id, t1.ticket.id);
      minutes(1);
      await ok('POST', `/api/queue/tickets/${c1.id}/start`, clerk2);
      minutes(10);
      await ok('POST', `/api/queue/tickets/${c1.id}/finish`, clerk2, { services: [svc.social] }); // 600 s, 09:46
      const c2 = (await ok('POST', `/api/queue/windows/${win[6]}/call-next`, clerk2)).ticket; // waited 960 s
      assert.equal(c2.id, t2.ticket.id);
      minutes(2);
      await ok('POST', `/api/queue/tickets/${c2.id}/skip`, clerk2);
      const c3 = (await ok('POST', `/api/queue/windows/${win[6]}/call-next`, clerk2)).ticket; // 09:48, waited 1020 s
      assert.equal(c3.id, t3.ticket.id);
      minutes(1);
      await ok('POST', `/api/queue/tickets/${c3.id}/start`, clerk2);
      minutes(2);
      await ok('POST', `/api/queue/tickets/${c3.id}/hold`, clerk2);
      minutes(4);
      await ok('POST', `/api/queue/tickets/${c3.id}/resume`, clerk2);
      minutes(5);
      await ok('POST', `/api/queue/tickets/${c3.id}/finish`, clerk2, { services: [svc.social] }); // 120 + 300 s, 10:00

      const m = await ok('GET', `/api/queue/halls/${hallId}/metrics?from=2026-11-24&to=2026-11-24`, supervisor);
      assert.deepEqual(m.tickets, { issued: 3, finished: 2, noShow: 1, cancelled: 0 });
      assert.equal(m.averageWaitSeconds, 760); // (300 + 960 + 1020) / 3
      assert.equal(m.averageHandlingSeconds, 510); // (600 + 420) / 2
      assert.equal(m.noShowRate, 0.3333);
      const social = m.byService.find((s: { serviceId: string }) => s.serviceId === svc.social);
      assert.deepEqual(social, { serviceId: svc.social, name: '社保医保', issued: 3, finished: 2, noShow: 1, averageWaitSeconds: 760, averageHandlingSeconds: 510, noShowRate: 0.3333 });
      const w6 = m.byWindow.find((w: { number: number }) => w.number === 6);
      assert.deepEqual(w6, { windowId: win[6], number: 6, name: '社保医保专窗', served: 2, averageWaitSeconds: 760, averageHandlingSeconds: 510 });
      assert.deepEqual(m.ticketsPerHour, [{ hour: 9, issued: 3, finished: 1 }, { hour: 10, issued: 0, finished: 1 }]);

      // The 18th: 张三's 10:00 appointment was served, 李四's late check-in was never called, 张三 missed 14:00.
      const d18 = await ok('GET', `/api/queue/halls/${hallId}/metrics?from=2026-11-18&to=2026-11-18`, supervisor);
      assert.deepEqual(
        { due: d18.appointments.due, checkedIn: d18.appointments.checkedIn, fulfilled: d18.appointments.fulfilled, noShow: d18.appointments.noShow },
        { due: 3, checkedIn: 2, fulfilled: 1, noShow: 1 },
      );
      assert.equal(d18.appointments.fulfilmentRate, 0.3333);
      assert.equal(d18.appointments.noShowRate, 0.3333);
      await refused(403, 'FORBIDDEN', 'GET', `/api/queue/halls/${hallId}/metrics?from=2026-11-24&to=2026-11-24`, clerk);
      await refused(400, 'DATE_RANGE_INVALID', 'GET', `/api/queue/halls/${hallId}/metrics?from=2026-11-24&to=2026-11-01`, supervisor);
    });

    test('three windows calling at once never get the same ticket; numbers are never skipped or repeated', async () => {
      const ctx = { actor: systemActor('test') };
      const issued = await Promise.all(Array.from({ length: 30 }, () => issueTicket(t.platform, { hallId, serviceId: svc.enquiry!, channel: 'kiosk' }, ctx)));
      const numbers = issued.map((i) => i.ticket.number).sort();
      assert.deepEqual(numbers, Array.from({ length: 30 }, (_, i) => `H${String(i + 1).padStart(3, '0')}`));
      const clerks = [clerk, clerk2, admin];
      const windows = [win[1]!, win[2]!, win[3]!];
      await Promise.all(windows.map((w, i) => ok('POST', `/api/queue/windows/${w}/open`, clerks[i])));
      const calledBy = new Map<string, string>();
      await Promise.all(
        windows.map(async (w, i) => {
          for (;;) {
            const r = await req('POST', `/api/queue/windows/${w}/call-next`, clerks[i]);
            assert.equal(r.status, 200, JSON.stringify(r.body));
            if (!r.body.ticket) return;
            assert.ok(!calledBy.has(r.body.ticket.id), `${r.body.ticket.number} called twice`);
            calledBy.set(r.body.ticket.id, w);
            await ok('POST', `/api/queue/tickets/${r.body.ticket.id}/skip`, clerks[i]);
          }
        }),
      );
      assert.equal(calledBy.size, 30);
      const twice = await t.platform.db.query(`SELECT ticket_id FROM queue.ticket_period WHERE state = 'called' GROUP BY ticket_id HAVING count(*) > 1 AND bool_and(end_reason <> 'transfer')`);
      assert.equal(twice.length, 0);
      assert.equal((await verifyAuditChain(t.platform.db)).ok, true);
    });
  });
}
