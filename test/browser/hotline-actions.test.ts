// The hotline centre's and supervisor's actions on the order page, in a real browser against the real
// server: urging, supervision, reporting, the audited caller reveal (and its refusal to a handling
// unit when the caller asked for confidentiality), transfer to 110, splitting, merging, the direct
// answer from the knowledge base and archiving. Orders are set up through the API; every action under
// test is taken on the page, and each step is checked by what the page then shows of the server's state.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { runningClock } from '../../src/platform/clock.ts';
import { startTestServer } from '../app.ts';
import { assertAccessible, ensureWebBuilt, expectDone as expectDoneOn, launchBrowser, PASSWORD, screenshot, skip, logIn as logInAs } from './harness.ts';

const CALLER_PHONE = '13800138000';

describe('hotline order actions in a browser', { skip }, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  before(async () => {
    await ensureWebBuilt();
    // A working morning, whatever the hour the suite runs: deadlines and badges depend on the time of day.
    server = await startTestServer('pglite', { clock: runningClock('2026-12-08T09:30:00+08:00') });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** An API session of a demo account, for setting orders up. */
  async function apiAs(username: string) {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    assert.equal(res.status, 200, `login ${username}`);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return async <T>(path: string, body: unknown): Promise<T> => {
      const r = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      assert.ok(r.ok, `${path}: ${r.status} ${text}`);
      return JSON.parse(text) as T;
    };
  }

  const logIn = (username: string) => logInAs(browser, server.url, username);

  const expectDone = (page: Page, text: string | RegExp) => expectDoneOn(page, '.hl-ok', text);
  const statusOf = async (page: Page) => (await page.locator('.hl-status').innerText()).trim();
  /** The value shown beside a term of the order's facts. */
  const fact = (page: Page, term: string) => page.locator('.hl-dl dt').filter({ hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');

  /** Opens one of the order page's folded action forms by its summary. */
  const section = (page: Page, name: string) => page.locator('summary').filter({ hasText: new RegExp(`^${name}$`) });

  async function openOrder(page: Page, number: string): Promise<void> {
    await page.goto(`${server.url}/hotline/orders/${number}`);
    await page.getByRole('heading', { level: 1, name: `工单 ${number}` }).waitFor();
    await page.getByRole('heading', { level: 2, name: '办理操作' }).waitFor();
  }

  test('urge, supervise, report, reveal, transfer, split, merge, answer and archive', async () => {
    const api = await apiAs('agent');
    type Created = { id: string; number: string; status: string };
    const create = (body: Record<string, unknown>) => api<Created>('/api/hotline/orders', body);
    const complaint = (description: string, address: string, caller?: Record<string, unknown>) =>
      create({ kind: 'complaint', categoryCode: '1001', description, address, ...(caller ? { caller } : {}) });

    const urged = await complaint('文昌路口的垃圾三天没人清扫，影响行人通行。', '文昌路与滨江路口', { name: '周先生', phone: CALLER_PHONE });
    await api(`/api/hotline/orders/${urged.id}/dispatch`, { leadUnitCode: 'YX-CGJ' });
    const secret = await complaint('小区门口垃圾堆放，我担心被报复，请为我保密。', '云溪路8号', { name: '匿名', phone: '13700137000', isConfidential: true });
    await api(`/api/hotline/orders/${secret.id}/dispatch`, { leadUnitCode: 'YX-CGJ' });
    const emergency = await create({ kind: 'request', categoryCode: '1001', description: '路边有人晕倒，需要急救和警察到场。', address: '东门广场' });
    const several = await create({ kind: 'complaint', categoryCode: '1001', description: '青石街路灯坏了一周，另外街口的垃圾也没人清运。', address: '青石街' });
    const duplicate = await complaint('滨河公园东门的垃圾桶满了没人清理。', '滨河公园东门');
    const original = await complaint('滨河公园东门垃圾桶满溢，气味很大。', '滨河公园东门');
    const consultation = await create({ kind: 'consultation', categoryCode: '1404', description: '外地户口在本区工作，怎么办理居住证？' });
    for (const o of [emergency, several, duplicate, original, consultation]) assert.equal(o.status, 'created');

    // 1. The agent urges the dispatched order, reports it to leaders and sees the caller's phone for a reason.
    const agent = await logIn('agent');
    const ap = agent.page;
    await openOrder(ap, urged.number);
    assert.equal(await statusOf(ap), '已派单');
    assert.equal(await section(ap, '督办').count(), 0, 'an agent is not offered supervision');
    await section(ap, '催办').click();
    await ap.getByLabel('催办说明（选填）').fill('群众反映强烈，请今天内处理。');
    await ap.getByRole('button', { name: '催办', exact: true }).click();
    await expectDone(ap, `已催办工单 ${urged.number}（第 1 次）。`);
    assert.match(await fact(ap, '催督办').innerText(), /已催办 1 次/);
    assert.ok((await ap.locator('.hl-timeline li strong').allInnerTexts()).includes('催办'), 'the timeline records the urging');

    await section(ap, '呈报领导').click();
    await ap.getByRole('button', { name: '呈报', exact: true }).click();
    await ap.getByText('请填写此项。').waitFor();
    assert.equal(await ap.evaluate(() => document.activeElement?.id), 'report-note', 'a missing reason is named at its field, which gets focus');
    await ap.getByLabel('呈报对象（选填，如区政府分管领导）').fill('分管副区长');
    await ap.getByLabel('呈报事由').fill('主干道环境卫生问题反复出现，需协调解决。');
    await ap.getByRole('button', { name: '呈报', exact: true }).click();
    await expectDone(ap, `工单 ${urged.number} 已呈报。`);
    assert.match(await fact(ap, '催督办').innerText(), /已呈报/);

    assert.ok(!(await ap.content()).includes(CALLER_PHONE), 'the phone is masked until revealed');
    await section(ap, '查看来电人完整信息').click();
    await ap.getByLabel('查看理由').fill('核实诉求地点');
    await ap.getByRole('button', { name: '查看', exact: true }).click();
    await ap.getByText(`来电人：周先生，电话：${CALLER_PHONE}（本次查看已记录）`).waitFor();
    await ap.locator('details').evaluateAll((ds) => ds.forEach((d) => d.setAttribute('open', '')));
    await assertAccessible(ap, 'order page with the centre actions open');
    await screenshot(ap, 'hotline-order-actions.png');

    // 2. The supervisor supervises it, one level at a time upwards.
    const supervisor = await logIn('supervisor');
    const sp = supervisor.page;
    await openOrder(sp, urged.number);
    await section(sp, '督办').click();
    assert.equal(await sp.getByRole('group', { name: '督办级别' }).getByRole('radio').count(), 3);
    await sp.getByLabel('重点督办').check();
    await sp.getByLabel('督办意见').fill('请承办单位三日内办结并报告结果。');
    await sp.getByRole('button', { name: '督办', exact: true }).click();
    await expectDone(sp, `工单 ${urged.number} 已重点督办。`);
    assert.match(await fact(sp, '催督办').innerText(), /重点督办/);
    assert.equal(await sp.getByRole('group', { name: '督办级别' }).getByRole('radio').count(), 1, 'only a higher level is offered');
    await sp.getByLabel('挂牌督办').waitFor();

    // 3. The handling unit sees the supervision in its inbox, and is refused the confidential caller.
    const handler = await logIn('handler');
    const hp = handler.page;
    await hp.goto(`${server.url}/hotline/inbox`);
    const row = hp.getByRole('row').filter({ hasText: urged.number });
    await row.waitFor();
    assert.match(await row.innerText(), /已催办 1 次[\s\S]*重点督办/);
    await openOrder(hp, secret.number);
    assert.equal((await fact(hp, '来电人').innerText()).split('\n')[0]?.trim(), '保密');
    await section(hp, '查看来电人完整信息').click();
    await hp.getByLabel('查看理由').fill('需要上门核实');
    await hp.getByRole('button', { name: '查看', exact: true }).click();
    await hp.getByRole('alert').filter({ hasText: '来电人要求保密，承办单位不能查看其信息' }).waitFor();
    assert.ok(!(await hp.content()).includes('13700137000'));

    // 4. The agent transfers the emergency to 110.
    await openOrder(ap, emergency.number);
    await section(ap, '转 110/119/120/122').click();
    await ap.getByLabel('110 公安').check();
    await ap.getByRole('button', { name: '转 110', exact: true }).click();
    await expectDone(ap, `工单 ${emergency.number} 已转 110。`);
    assert.equal(await statusOf(ap), '已转办');
    assert.equal((await fact(ap, '已转至').innerText()).trim(), '110 公安');

    // 5. The agent splits the call about two matters into two new orders, each with its own category.
    await openOrder(ap, several.number);
    await section(ap, '拆单').click();
    const first = ap.getByRole('group', { name: '新工单 1' });
    const second = ap.getByRole('group', { name: '新工单 2' });
    await first.getByLabel('诉求内容').fill('青石街路灯坏了一周，晚上很黑。');
    await first.getByLabel('诉求分类', { exact: true }).selectOption('1006');
    await second.getByLabel('诉求内容').fill('青石街街口的垃圾没人清运。');
    await second.getByLabel('诉求分类', { exact: true }).selectOption('1002');
    await ap.getByRole('button', { name: '再加一张新工单' }).click();
    assert.equal(await ap.evaluate(() => document.activeElement?.closest('fieldset')?.querySelector('legend')?.textContent), '新工单 3', 'focus goes to the new part');
    await ap.getByRole('button', { name: '删除新工单 3' }).click();
    await ap.getByRole('button', { name: '拆成 2 张工单' }).click();
    await expectDone(ap, new RegExp(`工单 ${several.number} 已拆分为 \\S+、\\S+。`));
    assert.equal(await statusOf(ap), '已拆单');
    const parts = fact(ap, '拆分为').getByRole('link');
    assert.equal(await parts.count(), 2);
    const partNumber = (await parts.first().innerText()).trim();
    await parts.first().click();
    await ap.getByRole('heading', { level: 1, name: `工单 ${partNumber}` }).waitFor();
    assert.equal((await fact(ap, '诉求内容').innerText()).trim(), '青石街路灯坏了一周，晚上很黑。');
    assert.match(await fact(ap, '诉求分类').innerText(), /路灯与市政设施/);
    assert.equal(await statusOf(ap), '已受理');
    await fact(ap, '拆分自').getByRole('link', { name: '原工单' }).waitFor();

    // 6. The agent merges the duplicate into the other order, named by its number.
    await openOrder(ap, duplicate.number);
    await section(ap, '并单').click();
    await ap.getByLabel('并入工单编号').fill(original.number);
    await ap.getByRole('button', { name: '并入此工单' }).click();
    await expectDone(ap, `工单 ${duplicate.number} 已并入 ${original.number}。`);
    assert.equal(await statusOf(ap), '已并单');
    await fact(ap, '已并入').getByRole('link', { name: original.number }).click();
    await ap.getByRole('heading', { level: 1, name: `工单 ${original.number}` }).waitFor();
    await fact(ap, '并入本单的工单').getByRole('link', { name: duplicate.number }).waitFor();
    assert.equal(await statusOf(ap), '已受理');

    // 7. The agent answers the consultation from a knowledge base article, then archives it.
    await openOrder(ap, consultation.number);
    await section(ap, '直接答复办结').click();
    await ap.getByLabel('搜索知识库').fill('居住证');
    await ap.getByRole('button', { name: '搜索', exact: true }).click();
    await ap.getByRole('heading', { level: 3, name: '居住证办理' }).waitFor();
    await ap.getByRole('button', { name: /^引用此知识\s*：居住证办理$/ }).click();
    await ap.getByText(/依据知识：《居住证办理》第 1 版/).waitFor();
    assert.match(await ap.getByLabel('答复内容').inputValue(), /^根据《居住证办理》答复：/);
    await ap.getByRole('button', { name: '答复并办结' }).click();
    await expectDone(ap, `工单 ${consultation.number} 已答复办结。`);
    assert.equal(await statusOf(ap), '已办结');
    await ap.getByRole('button', { name: '归档', exact: true }).click();
    await expectDone(ap, `工单 ${consultation.number} 已归档。`);
    assert.equal(await statusOf(ap), '已归档');
    assert.equal(await ap.evaluate(() => document.activeElement?.id), 'order-outcome', 'focus moves to the outcome when the button goes');
    assert.deepEqual(await ap.locator('.hl-timeline li strong').allInnerTexts(), ['受理', '直接答复办结', '归档']);
    assert.equal(await ap.getByRole('button', { name: '归档', exact: true }).count(), 0, 'nothing is left to do');

    for (const [who, errs] of [['agent', agent.pageErrors], ['supervisor', supervisor.pageErrors], ['handler', handler.pageErrors]] as const) {
      assert.deepEqual(errs, [], `${who} page errors`);
    }
    await Promise.all([ap.context().close(), sp.context().close(), hp.context().close()]);
  });
});
