// The 12345 hotline in a real browser, one journey through every party: a citizen submits a request
// on the public page, the agent finds and dispatches it, the handling unit signs and replies, the
// agent calls back and closes, and the citizen tracks and rates it. Runs against the built web/dist.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { runningClock } from '../../src/platform/clock.ts';
import { startTestServer } from '../app.ts';
import { assertAccessible, ensureWebBuilt, launchBrowser, openPage as openFreshPage, screenshot, skip, expectDone as expectDoneOn, logIn as logInAs } from './harness.ts';

const CITIZEN_PHONE = '13912345678';
const ONE_PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('12345 hotline in a browser', { skip }, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  before(async () => {
    await ensureWebBuilt();
    // A working morning, whatever the hour the suite runs: the deadline badges depend on the time of day.
    server = await startTestServer('pglite', { clock: runningClock('2026-12-08T09:30:00+08:00') });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const openPage = () => openFreshPage(browser, 900);

  const logIn = (username: string) => logInAs(browser, server.url, username);

  const expectDone = (page: Page, text: string | RegExp) => expectDoneOn(page, '.hl-ok', text);

  test('citizen submits, agent dispatches, unit replies, agent calls back and closes, citizen tracks and rates', async () => {
    // 1. The citizen, not signed in, submits a request on the public page.
    const citizen = await openPage();
    const cp = citizen.page;
    await cp.goto(`${server.url}/portal`);
    await cp.getByRole('link', { name: '向 12345 反映问题' }).click();
    await cp.getByRole('heading', { level: 1, name: '向 12345 反映问题' }).waitFor();
    await cp.locator('#submit-category option[value="1001"]').waitFor({ state: 'attached' });
    await assertAccessible(cp, 'public submit page');
    await screenshot(cp, 'hotline-submit.png');

    // Sending an empty form names what is missing and moves focus to it.
    await cp.getByRole('button', { name: '提交', exact: true }).click();
    await cp.getByText('请选择诉求分类。').waitFor();
    assert.equal(await cp.evaluate(() => document.activeElement?.id), 'submit-category');
    await assertAccessible(cp, 'public submit page showing field errors');

    await cp.getByLabel('投诉').check();
    await cp.getByLabel('查找分类（输入关键词）').fill('清扫');
    await cp.getByLabel('诉求分类').selectOption('1001');
    await cp.getByLabel('具体情况').fill('云溪路12号门口的垃圾堆了三天没人清扫，气味很大，请尽快处理。');
    await cp.getByLabel('发生地点（街道、门牌号）').fill('云溪路12号');
    await cp.getByLabel('手机号码').fill(CITIZEN_PHONE);
    await cp.getByLabel('您的称呼（选填）').fill('王阿姨');
    // A photo of the place goes up at once; a PDF is refused at the field, by the server's words.
    const photoField = cp.getByLabel('现场照片（选填，最多 9 张）');
    await photoField.setInputFiles({ name: '合同.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7 not a photo') });
    await cp.locator('.hl-photos .field-error').getByText(/合同\.pdf：只接受 JPEG、PNG 文件/).waitFor();
    await photoField.setInputFiles({ name: '垃圾堆.png', mimeType: 'image/png', buffer: ONE_PIXEL_PNG });
    await cp.getByRole('img', { name: '第 1 张照片' }).waitFor();
    await cp.getByRole('button', { name: '删除第 1 张照片' }).waitFor();
    await assertAccessible(cp, 'public submit page with a photo');
    const [created] = await Promise.all([
      cp.waitForResponse((r) => r.url().endsWith('/api/hotline/public/orders')),
      cp.getByRole('button', { name: '提交', exact: true }).click(),
    ]);
    assert.equal(created.status(), 201);
    const { number } = (await created.json()) as { number: string };
    await cp.getByRole('heading', { name: '已收到您的诉求' }).waitFor();
    assert.equal((await cp.locator('.hl-big-number').innerText()).trim(), number, 'the page shows the order number');
    await assertAccessible(cp, 'public submit confirmation');

    // 2. The agent looks the caller up, finds the web order among those waiting and dispatches it.
    const agent = await logIn('agent');
    const ap = agent.page;
    await ap.goto(`${server.url}/hotline/intake`);
    await ap.getByRole('heading', { level: 1, name: '话务受理台' }).waitFor();
    await ap.getByLabel('来电号码').fill(CITIZEN_PHONE);
    await ap.getByRole('button', { name: '查询历史工单' }).click();
    await ap.getByText('139****5678 共有 1 件历史工单。').waitFor();
    assert.ok(!(await ap.content()).includes(CITIZEN_PHONE.slice(3)), 'the caller history shows the phone masked');
    const waiting = ap.getByRole('region', { name: '待派单工单' });
    await waiting.getByRole('link', { name: number }).waitFor();
    await ap.getByLabel('诉求内容').fill('垃圾桶满溢没人清运');
    await ap.getByRole('button', { name: '获取派单建议' }).click();
    await ap.getByRole('region', { name: '知识库' }).getByRole('heading', { name: '生活垃圾分类投放指引' }).waitFor();
    await screenshot(ap, 'hotline-intake.png');
    await assertAccessible(ap, 'intake screen');

    await waiting.getByRole('link', { name: number }).click();
    await ap.getByRole('heading', { level: 1, name: `工单 ${number}` }).waitFor();
    // The ranked units come with scores and reasons; the best one (区城管局) is preselected and confirmed.
    const cgj = ap.getByRole('radio', { name: /区城管局.*得分 \d\.\d\d/ });
    await cgj.waitFor();
    assert.equal(await cgj.isChecked(), true, '区城管局 is the preselected unit');
    assert.ok((await ap.getByRole('radio').count()) > 2, 'other suggested units and "another unit" are offered');
    await screenshot(ap, 'hotline-order-dispatch.png');
    await assertAccessible(ap, 'order page with the dispatch choice');
    await ap.getByRole('button', { name: '确认派单' }).click();
    await expectDone(ap, `工单 ${number} 已派至区城管局。`);
    assert.equal((await ap.locator('.hl-status').innerText()).trim(), '已派单');

    // 3. The handling unit signs in its inbox and replies on the order page.
    const handler = await logIn('handler');
    const hp = handler.page;
    await hp.goto(`${server.url}/hotline/inbox`);
    await hp.getByRole('heading', { level: 1, name: '承办待办' }).waitFor();
    const row = hp.getByRole('row').filter({ hasText: number });
    await row.waitFor();
    assert.match(await row.innerText(), /签收正常/, 'the row shows the sign deadline badge');
    await screenshot(hp, 'hotline-inbox.png');
    await assertAccessible(hp, 'unit inbox');
    await row.getByRole('button', { name: `签收 ${number}` }).click();
    await expectDone(hp, `工单 ${number} 已签收。`);
    await hp.getByRole('row').filter({ hasText: number }).getByRole('link', { name: `办理 ${number}` }).click();
    await hp.getByRole('heading', { level: 1, name: `工单 ${number}` }).waitFor();
    // The unit sees the citizen's photo, served to it because the order is its own.
    const photo = hp.getByRole('img', { name: '现场照片 1（点击查看大图）' });
    await photo.waitFor();
    await hp.waitForFunction(() => [...document.images].some((i) => i.alt.startsWith('现场照片 1') && i.complete && i.naturalWidth === 1));
    await hp.getByLabel('办理结果（回复来电人）').fill('已安排环卫班组当天清运，并增加该路段的清扫频次。');
    await hp.getByRole('button', { name: '提交回复' }).click();
    await expectDone(hp, `工单 ${number} 已回复，等待回访。`);
    assert.equal((await hp.locator('.hl-status').innerText()).trim(), '已回复');

    // 4. The agent calls the citizen back (satisfied) and closes the order.
    await ap.goto(`${server.url}/hotline/review`);
    await ap.getByRole('heading', { level: 1, name: '话务中心审核' }).waitFor();
    await ap.getByRole('region', { name: /待回访/ }).getByRole('link', { name: number }).waitFor();
    await assertAccessible(ap, 'review queue');
    await ap.getByRole('region', { name: /待回访/ }).getByRole('link', { name: number }).click();
    await ap.getByRole('heading', { level: 2, name: '办理操作' }).waitFor();
    await ap.getByRole('group', { name: '来电人评价' }).getByLabel('满意', { exact: true }).check();
    await ap.getByRole('button', { name: '记录回访' }).click();
    await expectDone(ap, `工单 ${number} 的回访已记录。`);
    await ap.getByRole('button', { name: '办结', exact: true }).click();
    await expectDone(ap, `工单 ${number} 已办结。`);
    assert.equal((await ap.locator('.hl-status').innerText()).trim(), '已办结');
    const events = await ap.locator('.hl-timeline li strong').allInnerTexts();
    assert.deepEqual(events, ['受理', '派单', '签收', '回复', '回访', '办结'], 'the timeline lists every step');

    // 5. The citizen tracks the order by number and phone, sees it closed and rates it.
    await cp.getByRole('link', { name: '查询办理进度' }).click();
    await cp.getByRole('heading', { level: 1, name: '查询办理进度' }).waitFor();
    assert.equal(await cp.getByLabel('工单编号').inputValue(), number, 'the number is carried over');
    await cp.getByLabel('手机号码').fill('13900000000');
    const [miss] = await Promise.all([
      cp.waitForResponse((r) => r.url().endsWith('/api/hotline/public/orders/lookup')),
      cp.getByRole('button', { name: '查询', exact: true }).click(),
    ]);
    const { message } = (await miss.json()) as { message: string };
    await cp.getByRole('alert').filter({ hasText: message }).waitFor();

    await cp.getByLabel('手机号码').fill(CITIZEN_PHONE);
    await cp.getByRole('button', { name: '查询', exact: true }).click();
    await cp.getByRole('heading', { name: `工单 ${number} 的办理进度` }).waitFor();
    assert.equal((await cp.locator('.hl-status').innerText()).trim(), '已办结');
    await cp.getByText('已安排环卫班组当天清运').waitFor();
    await assertAccessible(cp, 'public tracking page with a closed order');

    await cp.getByLabel('非常满意').check();
    await cp.getByRole('button', { name: '提交评价' }).click();
    await cp.getByText('感谢您的评价！').waitFor();
    await cp.getByText('您的评价：非常满意').waitFor();
    await assertAccessible(cp, 'public tracking page after rating');
    await screenshot(cp, 'hotline-track.png');

    for (const [who, errs] of [['citizen', citizen.pageErrors], ['agent', agent.pageErrors], ['handler', handler.pageErrors]] as const) {
      assert.deepEqual(errs, [], `${who} page errors`);
    }
    await Promise.all([cp.context().close(), ap.context().close(), hp.context().close()]);
  });
});
