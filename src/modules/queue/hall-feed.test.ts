import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, login, type TestApp } from '../../../test/app.ts';
import { engines } from '../../../test/db.ts';
import { fixedClock } from '../../platform/clock.ts';

// The hall display's live feed over a real socket: events arrive as SSE, a reconnect with
// Last-Event-ID gets what it missed, and an open stream does not hold up the server's shutdown.

interface Stream {
  events: { id: number; event: string; data: Record<string, unknown> }[];
  raw: string;
  ended: Promise<void>;
  /** Resolves when an event matching `pred` has arrived. */
  waitFor(pred: (e: Stream['events'][number]) => boolean): Promise<Stream['events'][number]>;
  close(): void;
}

function openStream(url: string, headers: Record<string, string> = {}): Promise<Stream & { status: number; contentType: string }> {
  return new Promise((resolve, reject) => {
    const waiters: { pred: (e: Stream['events'][number]) => boolean; done: (e: Stream['events'][number]) => void }[] = [];
    const req = http.get(url, { headers }, (res) => {
      let buffer = '';
      let endResolve = () => {};
      const stream = {
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type']),
        events: [] as Stream['events'],
        raw: '',
        ended: new Promise<void>((r) => (endResolve = r)),
        waitFor(pred: (e: Stream['events'][number]) => boolean) {
          const found = stream.events.find(pred);
          if (found) return Promise.resolve(found);
          return new Promise<Stream['events'][number]>((done) => waiters.push({ pred, done }));
        },
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        stream.raw += chunk;
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
          if (!fields.data) continue;
          const e = { id: Number(fields.id), event: fields.event ?? 'message', data: JSON.parse(fields.data) };
          stream.events.push(e);
          for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.done(e); }
        }
      });
      res.on('end', () => endResolve());
      res.on('close', () => endResolve());
      resolve(stream);
    });
    req.on('error', reject);
  });
}

/** Fails instead of hanging the run when something never happens. */
const within = <T>(p: Promise<T>, what: string, ms = 15_000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen`)), ms).unref())]);

for (const engine of await engines()) {
  describe(`hall display feed on ${engine}`, () => {
    let t: TestApp;
    let base: string;
    let hallId: string;
    const clock = fixedClock('2026-11-18T01:30:00Z');

    before(async () => {
      t = await buildTestApp(engine, { clock });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      hallId = (await t.app.inject('/api/queue/halls')).json().items[0].id;
    });
    after(() => t.close());

    test('called numbers reach the display; a reconnect gets what it missed; shutdown ends the stream', async () => {
      const missing = await t.app.inject('/api/queue/halls/01936a5e-8c3b-7d2e-9f10-1234567890ab/events');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'HALL_NOT_FOUND');

      const stream = await openStream(`${base}/api/queue/halls/${hallId}/events`);
      assert.equal(stream.status, 200);
      assert.match(stream.contentType, /^text\/event-stream/);
      await within(new Promise<void>((r) => { const check = () => (stream.raw.includes(': connected') ? r() : setTimeout(check, 10)); check(); }), 'the connection');

      const hall = (await t.app.inject(`/api/queue/halls/${hallId}`)).json();
      const business = hall.services.find((s: { code: string }) => s.code === 'business').id;
      const window4 = hall.windows.find((w: { number: number }) => w.number === 4).id;
      const clerk = await login(t.app, 'clerk');
      await t.app.inject({ method: 'POST', url: `/api/queue/windows/${window4}/open`, headers: clerk.headers });
      const issued = (await t.app.inject({ method: 'POST', url: `/api/queue/halls/${hallId}/tickets`, payload: { serviceId: business } })).json();
      const called = await t.app.inject({ method: 'POST', url: `/api/queue/windows/${window4}/call-next`, headers: clerk.headers });
      assert.equal(called.json().ticket.number, issued.ticket.number);

      const opened = await within(stream.waitFor((e) => e.event === 'window_opened'), 'window_opened');
      const call = await within(stream.waitFor((e) => e.event === 'called'), 'called');
      assert.equal(call.data.number, 'A001');
      assert.equal(call.data.windowNumber, 4);
      assert.equal(call.data.windowName, '企业开办专窗');
      assert.deepEqual(stream.events.map((e) => e.event), ['window_opened', 'issued', 'called']);
      assert.ok(stream.events.every((e, i) => i === 0 || e.id > stream.events[i - 1]!.id), 'ids increase');

      // A display that lost its connection after the first event asks for the rest.
      const again = await openStream(`${base}/api/queue/halls/${hallId}/events`, { 'last-event-id': String(opened.id) });
      const replayed = await within(again.waitFor((e) => e.event === 'called'), 'the replay');
      assert.equal(replayed.id, call.id);
      assert.deepEqual(again.events.map((e) => e.event), ['issued', 'called']);
      again.close();

      // Recall shows on the display again.
      await t.app.inject({ method: 'POST', url: `/api/queue/tickets/${issued.ticket.id}/recall`, headers: clerk.headers });
      const recall = await within(stream.waitFor((e) => e.event === 'recalled'), 'recalled');
      assert.equal(recall.data.number, 'A001');

      // app.close() must not wait for the display to hang up.
      await within(t.app.close(), 'shutdown with an open stream');
      await within(stream.ended, 'the stream ending');
    });
  });
}
