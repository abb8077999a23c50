import { Type } from 'typebox';
import type { App } from '../http/server.ts';
import { actionContext } from '../http/server.ts';
import { errors } from '../http/schemas.ts';
import type { Platform } from '../module.ts';

const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const DayInfo = Type.Object({
  date: Type.String(),
  isWorkingDay: Type.Boolean(),
  kind: Type.Union([Type.Literal('workday'), Type.Literal('weekend'), Type.Literal('holiday'), Type.Literal('makeup_workday')]),
  name: Type.Optional(Type.String()),
  source: Type.String(),
  reason: Type.Optional(Type.String()),
});
const Override = Type.Object({ date: Type.String(), isWorkingDay: Type.Boolean(), reason: Type.String(), setBy: Type.Union([Type.String(), Type.Null()]), setAt: Type.String({ format: 'date-time' }) });
const toOverride = (o: { date: string; isWorkingDay: boolean; reason: string; setBy: string | null; setAt: Date }) => ({ ...o, setAt: new Date(o.setAt).toISOString() });

export function calendarRoutes(app: App, platform: Platform) {
  const cal = platform.calendar;

  app.get('/api/calendar/months/:month', {
    config: { scope: 'public', audit: false },
    schema: { tags: ['calendar'], summary: 'Every day of a month with its working-day status', params: Type.Object({ month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }) }), response: { 200: Type.Object({ days: Type.Array(DayInfo) }), ...errors(400, 422) } },
  }, async (req) => {
    const [y, m] = req.params.month.split('-').map(Number);
    return { days: await cal.listMonth(y!, m!) };
  });

  app.get('/api/calendar/add-working-days', {
    config: { scope: 'public', audit: false },
    schema: {
      tags: ['calendar'],
      summary: 'The date N working days after START (the start day is not counted)',
      querystring: Type.Object({ start: DateText, days: Type.Integer({ minimum: -10000, maximum: 10000 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ start: Type.String(), days: Type.Integer(), date: Type.String() }), ...errors(400, 422) },
    },
  }, async (req) => ({ start: req.query.start, days: req.query.days, date: await cal.addWorkingDays(req.query.start, req.query.days) }));

  app.get('/api/calendar/years', {
    config: { scope: 'public', audit: false },
    schema: { tags: ['calendar'], summary: 'Years with holiday data (statutory or published by an administrator)', response: { 200: Type.Object({ years: Type.Array(Type.Integer()) }) } },
  }, async () => ({ years: await cal.supportedYears() }));

  app.get('/api/calendar/overrides/:year', {
    config: { scope: 'calendar:write', audit: false },
    schema: { tags: ['calendar'], summary: "Administrators' overrides of one year", params: Type.Object({ year: Type.Integer({ minimum: 1900, maximum: 2999 }) }), response: { 200: Type.Object({ items: Type.Array(Override) }), ...errors(401, 403) } },
  }, async (req) => ({ items: (await cal.listOverrides(req.params.year)).map(toOverride) }));

  app.put('/api/calendar/overrides/:date', {
    config: { scope: 'calendar:write', audit: 'calendar.override.set' },
    schema: {
      tags: ['calendar'],
      summary: 'Make a day a working day or a holiday (e.g. a local closure), with a reason',
      params: Type.Object({ date: DateText }),
      body: Type.Object({ isWorkingDay: Type.Boolean(), reason: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: Override, ...errors(400, 401, 403, 422) },
    },
  }, async (req) => {
    const { actor } = actionContext(req);
    return toOverride(await platform.db.tx((tx) => cal.setOverride(tx, { date: req.params.date, ...req.body }, actor)));
  });

  app.delete('/api/calendar/overrides/:date', {
    config: { scope: 'calendar:write', audit: 'calendar.override.remove' },
    schema: { tags: ['calendar'], summary: 'Remove an override', params: Type.Object({ date: DateText }), response: { 200: Override, ...errors(401, 403, 404) } },
  }, async (req) => {
    const { actor } = actionContext(req);
    return toOverride(await platform.db.tx((tx) => cal.removeOverride(tx, req.params.date, actor)));
  });

  app.post('/api/calendar/years/:year/publish', {
    config: { scope: 'calendar:write', audit: 'calendar.year.publish' },
    schema: {
      tags: ['calendar'],
      summary: 'Publish a year the statutory data does not cover (its overrides then define it)',
      params: Type.Object({ year: Type.Integer({ minimum: 1900, maximum: 2999 }) }),
      body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ year: Type.Integer(), publishedBy: Type.Union([Type.String(), Type.Null()]), publishedAt: Type.Union([Type.String(), Type.Null()]), note: Type.Union([Type.String(), Type.Null()]) }), ...errors(400, 401, 403, 409) },
    },
  }, async (req) => {
    const { actor } = actionContext(req);
    const y = await platform.db.tx((tx) => cal.publishYear(tx, req.params.year, actor, req.body.note));
    return { ...y, publishedAt: y.publishedAt ? new Date(y.publishedAt).toISOString() : null };
  });
}
