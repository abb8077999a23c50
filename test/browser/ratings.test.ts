// 好差评 in a real browser, the whole journey: a citizen books an appointment, checks in at
// the kiosk, is called on the hall display, is served at the window, rates the window on its tablet
// with a bad review; the supervisor classifies and records the callback, the clerk rectifies, the
// supervisor tells the citizen, the citizen rates the rectification on their own page and the
// supervisor closes it. The public disclosure page and the rating pages are checked with axe.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { systemActor } from '../../src/platform/audit.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { createWorker, type Worker } from '../../src/platform/jobs/worker.ts';
import { pairTablet } from '../../src/modules/ratings/ratings.service.ts';
import { buildTestApp, type TestApp } from '../app.ts';
import { assertAccessible, ensureWebBuilt, launchBrowser, openPage as openFreshPage, screenshot, skip, expectDone as expectDoneOn, logIn as logInAs } from './harness.ts';

describe('ratings in a browser', { skip }, () => {
  let browser: Browser;
  let t: TestApp;
  let url: string;
  let worker: Worker;
  // Wednesday 18 November 2026, 09:20 in China: the hall is open, the 10:00 slot is ahead.
  const clock = fixedClock('2026-11-18T01:20:00Z');

  before(async () => {
    await ensureWebBuilt();
    t = await buildTestApp('pglite', { clock });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    // The outbox relay turns the window's "finished" into the tablet's prompt.
    worker = createWorker({ queue: t.platform.jobs, pollMs: 200 });
    worker.start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await worker?.stop();
    await t?.close();
  });

  const openPage = () => openFreshPage(browser, 900);

  const logIn = (username: string) => logInAs(browser, url, username);

  /** Waits for the ratings page's success line; on failure reports the page's error text instead of a timeout. */
  const expectDone = (page: Page, text: string | RegExp) => expectDoneOn(page, '.rating-ok', text);

  test('book, check in, be called and served, rate the window badly, see it rectified and rate the rectification', async () => {
    const halls = (await (await fetch(`${url}/api/queue/halls`)).json()) as { items: { id: string }[] };
    const hall = (await (await fetch(`${url}/api/queue/halls/${halls.items[0]!.id}`)).json()) as { windows: { id: string; number: number }[] };
    const window1 = hall.windows.find((w) => w.number === 1)!;
    const { key } = await pairTablet(t.platform, { windowId: window1.id, label: '1号窗口评价器' }, { actor: systemActor('test') });

    // 1. The citizen books 社保医保 at 10:00 today.
    const citizen = await logIn('13800000001');
    const cp = citizen.page;
    await cp.goto(`${url}/queue/book`);
    await cp.getByRole('heading', { level: 1, name: '预约办事' }).waitFor();
    await cp.getByLabel('业务', { exact: true }).first().selectOption({ label: '社保医保' });
    await cp.getByRole('radio', { name: '2026-11-18' }).check();
    await cp.getByRole('radio', { name: /^10:00–10:30/ }).check();
    await cp.getByLabel('姓名').fill('张三');
    await cp.getByLabel('身份证号').fill('440106198001010019');
    await cp.getByRole('button', { name: '提交预约' }).click();
    await cp.getByText(/预约成功：2026-11-18 10:00/).waitFor();

    // 2. At the hall kiosk they check in with their ID number.
    const kiosk = await openPage();
    await kiosk.page.goto(`${url}/queue/kiosk`);
    await kiosk.page.getByLabel('预约二维码或身份证号').fill('440106198001010019');
    await kiosk.page.getByRole('button', { name: '签到取号' }).click();
    const number = (await kiosk.page.locator('.slip-number').innerText()).trim();
    assert.match(number, /^C8\d\d$/, 'an appointment number of 社保医保');

    // 3. The display shows the call the clerk makes at window 1.
    const display = await openPage();
    await display.page.goto(`${url}/queue/display`);
    await display.page.locator('.display-live:not(.down)').waitFor();
    const clerk = await logIn('clerk');
    const kp = clerk.page;
    await kp.goto(`${url}/hall`);
    await kp.getByLabel(/窗口$/).selectOption({ label: '1 · 综合窗口一' });
    await kp.getByRole('button', { name: '开窗' }).click();
    await kp.getByRole('button', { name: '叫下一号' }).click();
    await kp.locator('.current-number').filter({ hasText: number }).waitFor();
    await display.page.locator('.display-number').filter({ hasText: number }).waitFor();

    // 4. Served at the window and finished with the service delivered.
    await kp.getByRole('button', { name: '开始办理' }).click();
    clock.advance(6 * 60_000);
    await kp.locator('form.finish').getByLabel('社保医保').check();
    await kp.locator('form.finish').getByRole('button', { name: '办结' }).click();
    await kp.getByRole('button', { name: '叫下一号' }).waitFor();

    // 5. The window's tablet asks for the rating of that ticket; the citizen gives a bad review.
    const tablet = await openPage();
    const tp = tablet.page;
    await tp.goto(`${url}/ratings/tablet?key=${encodeURIComponent(key)}`);
    await tp.getByText(`${number} · 1号 综合窗口一`).waitFor();
    await assertAccessible(tp, 'window tablet with a prompt');
    await screenshot(tp, 'ratings-tablet.png');
    await tp.getByLabel('非常不满意').check();
    await tp.getByLabel('服务态度（选填）').selectOption({ label: '非常不满意' });
    await tp.getByLabel('意见或建议（选填）').fill('材料要求讲了三遍还没讲清楚，态度也不耐烦');
    await tp.getByLabel('联系电话（选填）').fill('13800000001');
    await tp.getByRole('button', { name: '提交评价' }).click();
    await expectDone(tp, '感谢您的评价，我们会尽快核实整改并回访您。');
    await tp.getByRole('img', { name: '评价二维码' }).waitFor();

    // 6. The supervisor classifies it and records the callback.
    const supervisor = await logIn('supervisor');
    const sp = supervisor.page;
    await sp.goto(`${url}/ratings/reviews`);
    await sp.getByRole('heading', { level: 1, name: '差评整改' }).waitFor();
    const row = sp.getByRole('row').filter({ hasText: '1号 综合窗口一' });
    await row.getByRole('link').click();
    await sp.getByRole('heading', { level: 2, name: /^差评 CP/ }).waitFor();
    await assertAccessible(sp, 'bad review for the supervisor');
    assert.ok((await sp.content()).includes('138****0001'), 'the rater is shown masked');
    await sp.getByRole('button', { name: '查看联系方式（回访）' }).click();
    await sp.getByText('13800000001').waitFor();
    await sp.getByLabel('差评类别').selectOption({ label: '服务态度' });
    await sp.getByRole('button', { name: '分类', exact: true }).click();
    await expectDone(sp, /现为「待核实」/);
    await sp.getByLabel('已联系上').check();
    await sp.getByLabel('回访情况').fill('已电话联系张三，情况属实，市民希望一次讲清材料');
    await sp.getByRole('button', { name: '记录回访核实' }).click();
    await expectDone(sp, /现为「整改中」/);
    const reviewUrl = sp.url();

    // 7. The clerk's unit rectifies within the working days.
    await kp.goto(reviewUrl);
    await kp.getByRole('heading', { level: 2, name: /^差评 CP/ }).waitFor();
    await kp.getByLabel('整改措施').fill('已组织窗口一次性告知培训，材料清单张贴在窗口');
    await kp.getByRole('button', { name: '提交整改' }).click();
    await expectDone(kp, /现为「已整改」/);

    // 8. The supervisor tells the citizen.
    await sp.reload();
    await sp.getByLabel('反馈内容').fill('已电话告知张三整改措施');
    await sp.getByRole('button', { name: '反馈评价人' }).click();
    await expectDone(sp, /现为「已反馈」/);

    // 9. The citizen rates the rectification on their own page.
    await cp.goto(`${url}/ratings/mine`);
    await cp.getByRole('heading', { level: 1, name: '我的评价' }).waitFor();
    await cp.getByText('已组织窗口一次性告知培训，材料清单张贴在窗口').waitFor();
    await assertAccessible(cp, 'my ratings with a rectification to rate');
    await cp.getByRole('group', { name: '您对整改结果是否满意？' }).getByLabel('满意', { exact: true }).check();
    await cp.getByRole('button', { name: '提交整改评价' }).click();
    await expectDone(cp, '感谢您对整改结果的评价！');
    await screenshot(cp, 'ratings-mine.png');

    // 10. The supervisor closes it into the ledger.
    await sp.reload();
    await sp.getByText('满意').first().waitFor();
    await sp.getByRole('button', { name: '办结归档' }).click();
    await expectDone(sp, /现为「已办结」/);
    const log = await sp.locator('.rating-log li strong').allInnerTexts();
    assert.deepEqual(log, ['差评', '分类', '核实回访', '提交整改', '反馈评价人', '评价整改结果', '办结归档']);

    // 11. The public disclosure: 1 rating, 1 bad review, rectified and called back.
    const visitor = await openPage();
    const vp = visitor.page;
    await vp.goto(`${url}/ratings/public`);
    await vp.getByRole('heading', { level: 1, name: '好差评公示' }).waitFor();
    await vp.getByLabel('窗口').check();
    const windowRow = vp.getByRole('row').filter({ hasText: '1号 综合窗口一' });
    await windowRow.waitFor();
    assert.deepEqual((await windowRow.locator('td').allInnerTexts()).map((s) => s.trim()), ['1', '0.0%', '1', '100.0%', '100.0%']);
    await assertAccessible(vp, 'public disclosure page');
    await screenshot(vp, 'ratings-public.png');

    // The QR link behind the tablet works without signing in and is accessible too.
    const link = await tp.getByRole('link', { name: '评价链接' }).getAttribute('href');
    await vp.goto(link!);
    await vp.getByRole('heading', { level: 1, name: '服务评价' }).waitFor();
    await vp.getByText('非常不满意').first().waitFor();
    await assertAccessible(vp, 'rating link page');

    for (const [who, errs] of [['citizen', citizen.pageErrors], ['clerk', clerk.pageErrors], ['supervisor', supervisor.pageErrors], ['tablet', tablet.pageErrors], ['visitor', visitor.pageErrors], ['kiosk', kiosk.pageErrors], ['display', display.pageErrors]] as const) {
      assert.deepEqual(errs, [], `${who} page errors`);
    }
    for (const p of [cp, kp, sp, tp, vp, kiosk.page, display.page]) await p.context().close();
  });
});
