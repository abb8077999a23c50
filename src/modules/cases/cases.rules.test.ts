import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCalendar, type CalendarSnapshot } from '../../platform/calendar/calendar.ts';
import { platformMigrations } from '../../platform/migrations.ts';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { computeCaseDeadlines, computeDueDate, remainingWorkingDays, signalOf } from './cases.deadlines.ts';
import { checkUpload, DEFAULT_LIMITS, signS3Request, sniffMediaType } from './cases.files.ts';
import { caseToExchange, itemToExchange } from './cases.exchange.ts';
import { averageWorkingDaysToCompletion, computeMetrics, onTimeCompletionRate, ratio, type CaseFacts, type CatalogueFacts } from './cases.metrics.ts';
import { checkForm } from './cases.plan.ts';
import { ACTIONS, isAllowed, nextState, STATES, TRANSITIONS, type Action, type State } from './cases.transitions.ts';
import { demoCatalog } from '../catalog/index.ts';

// The rules of the cases module without HTTP: the transition table (every allowed and every refused
// transition), the deadline engine on the real 2026 calendar, the metrics' definitions, sniffing,
// S3 request signing, form checks and the exchange mapping.

describe('transition table', () => {
  for (const action of ACTIONS) {
    const t = TRANSITIONS[action];
    for (const from of STATES) {
      if ((t.from as readonly State[]).includes(from)) {
        test(`${action} from ${from} → ${t.to === 'same' ? from : t.to}`, () => {
          assert.equal(isAllowed(action, from), true);
          assert.equal(nextState(action, from), t.to === 'same' ? from : t.to);
        });
      } else {
        test(`${action} from ${from} is refused (409 CASE_TRANSITION_INVALID)`, () => {
          assert.equal(isAllowed(action, from), false);
          assert.throws(() => nextState(action, from), (e: { code?: string; status?: number; details?: { allowedFrom: unknown } }) => e.code === 'CASE_TRANSITION_INVALID' && e.status === 409 && Array.isArray(e.details?.allowedFrom));
        });
      }
    }
  }

  test('the flow of DOMAIN §2 is reachable end to end, and final states admit nothing but reading', () => {
    const path: Action[] = ['submit', 'pre_review', 'request_correction', 'resubmit', 'accept', 'pass_step', 'suspend', 'resume', 'extend', 'decide', 'complete', 'deliver'];
    let s: State = 'draft';
    for (const a of path) s = nextState(a, s);
    assert.equal(s, 'delivered');
    for (const final of ['not_accepted', 'delivered', 'withdrawn', 'terminated'] as const) {
      assert.deepEqual(ACTIONS.filter((a) => isAllowed(a, final)), [], `${final} is final`);
    }
    assert.deepEqual(ACTIONS.filter((a) => isAllowed(a, 'completed')), ['deliver']);
  });
});

for (const engine of await engines()) {
  describe(`deadline engine on the 2026 calendar (${engine})`, () => {
    let t: TestDb;
    let cal: CalendarSnapshot;
    before(async () => {
      t = await createTestDb(engine, [platformMigrations]);
      cal = await createCalendar(t.db).snapshot(2025, 2026);
    });
    after(() => t.drop());

    const wd = (value: number) => ({ value, unit: 'working_days' as const });

    test('Spring Festival: the 2/14 and 2/28 make-up Saturdays count, 2/15–2/23 do not', () => {
      const d = computeDueDate(cal, { startOn: '2026-02-12', limit: wd(20), stops: [], extensionDays: 0, today: '2026-02-12' }, '法定办结时限');
      // 2/13, 2/14 (调休), 2/24–2/27 (4), 2/28 (调休), 3/2–3/6 (5), 3/9–3/13 (5), 3/16–3/18 (3) = 20
      assert.equal(d.dueOn, '2026-03-18');
      assert.ok(d.lines.some((l) => l.includes('春节假期 2026-02-15 至 2026-02-23 共 9 天不计入')), d.lines.join('\n'));
      assert.ok(d.lines.some((l) => l.includes('调休上班日 2026-02-14、2026-02-28')));
    });

    test('National Day: accepted on 9/30, five working days end on the 10/10 make-up Saturday', () => {
      const d = computeDueDate(cal, { startOn: '2026-09-30', limit: wd(5), stops: [], extensionDays: 0, today: '2026-09-30' }, '承诺办结时限');
      // 10/8, 10/9, 10/10 (调休), 10/12, 10/13
      assert.equal(d.dueOn, '2026-10-13');
      const three = computeDueDate(cal, { startOn: '2026-09-30', limit: wd(3), stops: [], extensionDays: 0, today: '2026-09-30' }, '承诺办结时限');
      assert.equal(three.dueOn, '2026-10-10');
    });

    test('natural days: a period ending on a holiday moves to the next working day', () => {
      const d = computeDueDate(cal, { startOn: '2026-09-24', limit: { value: 7, unit: 'natural_days' }, stops: [], extensionDays: 0, today: '2026-09-24' }, '承诺办结时限');
      assert.equal(d.dueOn, '2026-10-08');
      assert.ok(d.lines.some((l) => l.includes('2026-10-01 为非工作日')));
    });

    test('即办件 are due on the acceptance day; no legal limit gives no legal date', () => {
      const d = computeCaseDeadlines(cal, { acceptedOn: '2026-05-06', legalLimit: null, promisedLimit: wd(0), stops: [], extensionDays: 0, today: '2026-05-06' });
      assert.equal(d.promisedDueOn, '2026-05-06');
      assert.equal(d.legalDueOn, null);
    });

    test('stops add their working days (an open stop runs to today), extensions add theirs', () => {
      const base = { acceptedOn: '2026-04-01', legalLimit: wd(20), promisedLimit: wd(10), extensionDays: 0, today: '2026-04-20' };
      const plain = computeCaseDeadlines(cal, { ...base, stops: [] });
      // 4/2, 4/3, (4/4–6 清明), 4/7–4/10 (4), 4/13–4/16 (4) = 10
      assert.equal(plain.promisedDueOn, '2026-04-16');
      const stopped = computeCaseDeadlines(cal, { ...base, stops: [{ name: '专家评审', startedOn: '2026-04-08', endedOn: '2026-04-10' }] });
      assert.equal(stopped.promisedDueOn, '2026-04-20');
      const open = computeCaseDeadlines(cal, { ...base, stops: [{ name: '检测', startedOn: '2026-04-14', endedOn: null }] });
      // 4/15, 4/16, 4/17, 4/20 = 4 working days stopped so far
      assert.equal(open.promisedDueOn, '2026-04-22');
      const extended = computeCaseDeadlines(cal, { ...base, stops: [], extensionDays: 10 });
      assert.equal(extended.legalDueOn, computeCaseDeadlines(cal, { ...base, legalLimit: wd(30), stops: [] }).legalDueOn);
    });

    test('signals: green, yellow with 1–2 working days left, red on the day, overdue after; paused while stopped', () => {
      const at = (today: string, isPaused = false) => signalOf(cal, { today, promisedDueOn: '2026-10-09', legalDueOn: '2026-10-13', isPaused });
      assert.equal(at('2026-09-29').level, 'green'); // 9/30, 10/8, 10/9 left
      assert.equal(at('2026-09-30').level, 'yellow');
      assert.equal(at('2026-09-30').remainingWorkingDays, 2);
      assert.equal(at('2026-10-09').level, 'red');
      assert.equal(at('2026-10-09').isOverdue, false);
      assert.deepEqual(at('2026-10-12'), { level: 'red', remainingWorkingDays: -2, isOverdue: true, isLegalOverdue: false });
      assert.equal(at('2026-10-14').isLegalOverdue, true);
      assert.equal(at('2026-09-29', true).level, 'paused');
      assert.equal(remainingWorkingDays(cal, '2026-10-01', '2026-10-08'), 1);
    });
  });
}

describe('metrics (definitions in cases.metrics.ts)', () => {
  const item = (p: Partial<CatalogueFacts>): CatalogueFacts => ({ onlineDepthCode: '4', visits: 0, caseTypeCode: '2', legalLimit: { value: 20, unit: 'working_days' }, promisedLimit: { value: 10, unit: 'working_days' }, ...p });
  test('catalogue rates over items; nothing to count is null', () => {
    const items = [item({}), item({ onlineDepthCode: '3', visits: 1 }), item({ onlineDepthCode: '2', visits: 2, caseTypeCode: '1', legalLimit: null, promisedLimit: { value: 0, unit: 'working_days' } }), item({ onlineDepthCode: '1', visits: 1, legalLimit: { value: 10, unit: 'working_days' }, promisedLimit: { value: 10, unit: 'working_days' } })];
    const m = computeMetrics(items, []);
    assert.deepEqual(m.catalogue.onlineAvailability, ratio(2, 4));
    assert.equal(m.catalogue.zeroVisit.rate, 0.25);
    assert.equal(m.catalogue.atMostOneVisit.rate, 0.75);
    assert.equal(m.catalogue.onTheSpot.rate, 0.25);
    // (20−10) + (20−10) + (10−10) over 20 + 20 + 10
    assert.equal(m.catalogue.timeLimitCompression.rate, 0.4);
    assert.equal(computeMetrics([], []).catalogue.zeroVisit.rate, null);
  });
  test('on-time completion and average working days count completed cases only', () => {
    const c = (p: Partial<CaseFacts>): CaseFacts => ({ channel: 'online', isCompleted: true, acceptedOn: '2026-03-02', completedOn: '2026-03-05', promisedDueOn: '2026-03-05', deliveryMethod: 'e_licence', workingDaysToComplete: 3, ...p });
    const cases = [c({}), c({ completedOn: '2026-03-06', workingDaysToComplete: 4, channel: 'window', deliveryMethod: 'window' }), c({ isCompleted: false, completedOn: null, workingDaysToComplete: null })];
    assert.deepEqual(onTimeCompletionRate(cases), ratio(1, 2));
    assert.deepEqual(averageWorkingDaysToCompletion(cases), { average: 3.5, counted: 2 });
    assert.equal(computeMetrics([], cases).cases.zeroVisitCases.rate, 0.5);
  });
});

describe('files', () => {
  test('the type is sniffed from the content, not the name; size and emptiness are limited', () => {
    assert.equal(sniffMediaType(Buffer.from('%PDF-1.4 …')), 'application/pdf');
    assert.equal(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])), 'image/jpeg');
    assert.equal(sniffMediaType(Buffer.from('MZ\x90\x00')), 'application/x-msdownload');
    assert.equal(sniffMediaType(Buffer.from('PK\x03\x04....OFD.xml')), 'application/ofd');
    assert.equal(sniffMediaType(Buffer.from('PK\x03\x04....word/document.xml')), 'application/zip');
    assert.equal(sniffMediaType(Buffer.from('<svg onload=alert(1)>')), undefined);
    assert.throws(() => checkUpload(Buffer.from('PK\x03\x04....word/'), DEFAULT_LIMITS), { code: 'FILE_TYPE_FORBIDDEN' });
    assert.throws(() => checkUpload(Buffer.alloc(0), DEFAULT_LIMITS), { code: 'FILE_EMPTY' });
    assert.throws(() => checkUpload(Buffer.from('%PDF-1.4 xxxxxxxx'), { ...DEFAULT_LIMITS, maxBytes: 8 }), { code: 'FILE_TOO_LARGE', status: 413 });
    const ok = checkUpload(Buffer.from('%PDF-1.4 abc'), DEFAULT_LIMITS);
    assert.equal(ok.sha256.length, 64);
  });

  test('S3 requests are signed with AWS Signature Version 4 (the published GET Object example)', () => {
    const headers = signS3Request(
      { region: 'us-east-1', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      { method: 'GET', host: 'examplebucket.s3.amazonaws.com', path: '/test.txt', headers: { range: 'bytes=0-9' }, payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', at: new Date('2013-05-24T00:00:00Z') },
    );
    assert.equal(
      headers.authorization,
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});

describe('forms and the exchange field set', () => {
  const fields = [
    { key: 'applicant-id-number', label: '身份证号', type: 'id_number' as const, isRequired: true },
    { key: 'contact-phone', label: '电话', type: 'phone' as const, isRequired: false },
    { key: 'kind', label: '类别', type: 'select' as const, isRequired: false, options: ['甲', '乙'] },
  ];
  test('types are checked always, required fields only on submission, unknown keys refused', () => {
    assert.deepEqual(checkForm(fields, {}, false), []);
    assert.deepEqual(checkForm(fields, {}, true).map((p) => p.path), ['/form/applicant-id-number']);
    assert.deepEqual(checkForm(fields, { 'applicant-id-number': '440106198001010018', 'contact-phone': '12', kind: '丙', extra: 'x' }, false).map((p) => p.path), ['/form/extra', '/form/applicant-id-number', '/form/contact-phone', '/form/kind']);
    assert.deepEqual(checkForm(fields, { 'applicant-id-number': '440106198001010019', 'contact-phone': '0755-12345678', kind: '甲' }, true), []);
  });
  test('an item and a case map onto the exchange tables', () => {
    const it = demoCatalog().items[0]!;
    const x = itemToExchange(it, it.versions[0]!, '2026-03-02');
    assert.equal(x.TASK_CODE, it.implementationCode);
    assert.equal(x.CATALOG_CODE, it.basicCode);
    assert.equal(x.TASK_STATE, '1');
    assert.equal(x.ANTICIPATE_TYPE, '1');
    assert.ok(x.MATERIALS.length > 0 && x.MATERIALS.every((m) => ['1', '2', '3', '4'].includes(m.MATERIAL_SOURCE_TYPE)));
    const c = caseToExchange({
      number: 'YXBJ26030200001', parentNumber: null, title: 't', itemCode: it.implementationCode, item: null, channel: 'mail', applicantType: 'person', applicantNameMasked: '张*', applicantIdType: 'id_card', applicantIdMasked: '440106********0019',
      receivingUnit: { code: 'YX-ZSJ', name: '区政数局' }, submittedAt: new Date('2026-03-02T01:00:00Z'), acceptedAt: null, promisedDueOn: null, legalDueOn: null, state: 'not_accepted', decision: null, decidedAt: null, completedAt: null, result: null, deliveryMethod: null, events: [], stops: [], materials: [],
    });
    assert.equal(c.PRO_ACCEPT.APPLY_TYPE, '4');
    assert.equal(c.PRO_ACCEPT.APPLYER_PAGE_TYPE, '111');
    assert.equal(c.PRO_RESULT?.RESULT_TYPE, '4');
  });
});
