// Applications (办件) in a real browser, one case through every party: a citizen applies online from
// the guide page with material uploads (a wrong file type refused next to its field, the draft
// saved and resumed), the window clerk sends the one-time correction notice, the citizen uploads
// the correction and resubmits, the clerk accepts, the approver grants, the clerk completes and
// hands out the result, and the citizen sees the delivered case with its notices and timeline.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { startTestServer } from '../app.ts';
import { DEMO_ITEM_CODES } from '../../src/modules/catalog/index.ts';
import { createWorker } from '../../src/platform/jobs/worker.ts';
import { assertAccessible, ensureWebBuilt, launchBrowser, screenshot, skip, expectDone as expectDoneOn, logIn as logInAs } from './harness.ts';

const ITEM = DEMO_ITEM_CODES.individualBusiness; // 个体工商户设立登记: 区市场监管局, steps 受理 → 审核登记 (approver)
const pdf = (label: string) => ({ name: `${label}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.7\n% ${label}\n1 0 obj <<>> endobj\n%%EOF\n`) });

describe('applications in a browser', { skip }, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  before(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const logIn = (username: string) => logInAs(browser, server.url, username);

  const expectDone = (page: Page, text: string | RegExp) => expectDoneOn(page, '.cs-ok', text);

  /** Notices travel through the outbox: the relay makes delivery jobs, the next round delivers them. */
  async function deliverNotices(): Promise<void> {
    await createWorker({ queue: server.platform.jobs }).runUntilIdle();
    await createWorker({ queue: server.platform.jobs }).runUntilIdle();
  }

  const state = async (page: Page) => (await page.locator('.cs-state').innerText()).trim();

  test('citizen applies online, clerk asks for a correction and accepts, approver grants, clerk hands out, citizen sees it done', async () => {
    // 1. The citizen opens the public guide and applies online.
    const citizen = await logIn('13800000001');
    const cp = citizen.page;
    await cp.goto(`${server.url}/services/${ITEM}`);
    await cp.getByRole('heading', { level: 1, name: '个体工商户设立登记' }).waitFor();
    await assertAccessible(cp, 'guide page with the apply link');
    await cp.getByRole('link', { name: '申请办理' }).click();
    await cp.getByRole('heading', { level: 1, name: '申请办理：个体工商户设立登记' }).waitFor();
    await assertAccessible(cp, 'apply page');

    // Submitting an empty form names the required fields and moves focus to the first.
    await cp.getByRole('button', { name: '提交申请' }).click();
    await cp.getByText('请填写「字号名称」。').waitFor();
    assert.equal(await cp.evaluate(() => document.activeElement?.id), 'form-business-name');
    await assertAccessible(cp, 'apply page showing field errors');

    await cp.getByLabel('字号名称').fill('云溪张记小吃店');
    await cp.getByLabel('经营者姓名').fill('张三');
    await cp.getByLabel('申请人身份证号').fill('440106198001010019');
    await cp.getByLabel('联系电话').fill('13800000001');
    await cp.getByLabel('经营场所地址').fill('云溪街道桂香路 12 号');
    await cp.getByLabel('经营范围').fill('小吃服务');
    await cp.getByLabel('资金数额（万元）').fill('5');

    // A file of the wrong type is refused next to its field; the server refuses disguised ones too.
    const application = cp.getByLabel('上传「个体工商户登记（备案）申请书」');
    await application.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a document') });
    await cp.getByText('「notes.txt」不是 PDF、JPEG、PNG 或 OFD 文件，无法上传。').waitFor();
    await application.setInputFiles({ name: 'fake.pdf', mimeType: 'application/pdf', buffer: Buffer.from('plain text pretending') });
    await cp.locator('#file-error-individual-business-application').filter({ hasText: /只接受 PDF、JPEG、PNG、OFD 文件/ }).waitFor();

    // The first upload creates the draft; the address then carries it, so it can be resumed.
    await application.setInputFiles(pdf('application'));
    await cp.waitForURL(/draft=/);
    const material = (key: string) => cp.locator('.cs-material').filter({ has: cp.locator(`#file-${key}`) });
    await material('individual-business-application').getByText('已提供').waitFor();
    await cp.getByLabel('上传「经营场所使用证明（房屋产权证明或租赁合同）」').setInputFiles(pdf('lease-blurred'));
    await material('premises-proof').getByText('已提供').waitFor();
    await cp.getByRole('button', { name: '保存草稿' }).click();
    await expectDone(cp, /草稿已保存/);

    await cp.reload();
    await cp.getByRole('heading', { level: 1, name: '申请办理：个体工商户设立登记' }).waitFor();
    assert.equal(await cp.getByLabel('字号名称').inputValue(), '云溪张记小吃店', 'the draft resumes with its form');
    await material('premises-proof').getByRole('link', { name: 'lease-blurred.pdf' }).waitFor();
    await assertAccessible(cp, 'apply page with a resumed draft');

    const [submitted] = await Promise.all([
      cp.waitForResponse((r) => r.url().endsWith('/submit') && r.request().method() === 'POST'),
      cp.getByRole('button', { name: '提交申请' }).click(),
    ]);
    assert.equal(submitted.status(), 200, await submitted.text());
    const { id, number } = (await submitted.json()) as { id: string; number: string };
    await cp.getByText(`申请已提交，办件编号 ${number}。`).waitFor();
    assert.equal(await state(cp), '已提交');
    await assertAccessible(cp, 'case page after submission');
    await screenshot(cp, 'cases-submitted.png');

    // 2. The clerk finds it in the intake queue, opens pre-review and sends the correction notice.
    const clerk = await logIn('clerk');
    const kp = clerk.page;
    await kp.goto(`${server.url}/workbench`);
    await kp.getByRole('link', { name: '综合受理' }).click();
    await kp.getByRole('heading', { level: 1, name: '综合受理' }).waitFor();
    const row = kp.getByRole('region', { name: '待预审和受理' }).getByRole('row').filter({ hasText: number });
    await row.getByRole('link', { name: '个体工商户设立登记' }).click();
    await kp.getByRole('heading', { level: 1, name: '个体工商户设立登记' }).waitFor();
    assert.match(await kp.locator('.cs-dl').innerText(), /张\*/, 'staff read the applicant masked');
    await kp.getByRole('button', { name: '开始预审' }).click();
    await expectDone(kp, `已开始预审 ${number}。`);
    await kp.getByText('一次性告知补正', { exact: true }).click();
    await kp.getByRole('checkbox', { name: '经营场所使用证明（房屋产权证明或租赁合同）' }).check();
    await kp.getByLabel('「经营场所使用证明（房屋产权证明或租赁合同）」需要怎样补正').fill('租赁合同扫描件不清晰，请上传清晰完整的扫描件');
    await kp.getByRole('button', { name: '发送补正通知' }).click();
    await expectDone(kp, `补正通知已发送（${number}）。`);
    assert.equal(await state(kp), '待补正');

    // 3. The citizen reads the notice in "my applications", uploads the correction and resubmits.
    await deliverNotices();
    await cp.goto(`${server.url}/portal`);
    await cp.getByRole('link', { name: '我的办件：办理进度和通知' }).click();
    await cp.getByRole('heading', { level: 1, name: '我的办件' }).waitFor();
    await cp.getByRole('link', { name: `补正材料通知书（${number}）` }).waitFor();
    await assertAccessible(cp, 'my applications');
    await cp.getByRole('region', { name: '办理中' }).getByRole('link', { name: '个体工商户设立登记' }).click();
    await cp.getByRole('heading', { level: 3, name: '补正材料通知书' }).waitFor();
    await cp.getByText('经营场所使用证明（房屋产权证明或租赁合同）：租赁合同扫描件不清晰').first().waitFor();
    await assertAccessible(cp, 'case page waiting for correction');
    await screenshot(cp, 'cases-correction.png');
    await material('premises-proof').getByRole('button', { name: /删除/ }).click();
    await material('premises-proof').getByText('未提供').waitFor();
    await cp.getByLabel('上传「经营场所使用证明（房屋产权证明或租赁合同）」').setInputFiles(pdf('lease-clear'));
    await material('premises-proof').getByRole('link', { name: 'lease-clear.pdf' }).waitFor();
    await cp.getByRole('button', { name: '补正完成，重新提交' }).click();
    await expectDone(cp, `已重新提交 ${number}。`);
    assert.equal(await state(cp), '预审中');

    // 4. The clerk accepts: the clocks start.
    await kp.reload();
    await kp.getByRole('button', { name: '受理', exact: true }).click();
    await expectDone(kp, `已受理 ${number}，受理通知已发送。`);
    assert.equal(await state(kp), '审查中');
    const badge = kp.locator('.cs-meta .cs-badge');
    await badge.focus();
    await kp.locator('.cs-meta .cs-tip.open').filter({ hasText: '期限如何计算' }).waitFor();
    assert.ok((await kp.locator('.cs-meta .cs-tip .cs-tip-line').count()) > 0, 'the badge explains its date on focus');
    await kp.keyboard.press('Escape');
    await kp.locator('.cs-meta .cs-tip.open').waitFor({ state: 'detached' });

    // 5. The approver finds the step and grants.
    const approver = await logIn('approver');
    const vp = approver.page;
    await vp.goto(`${server.url}/workbench/review`);
    await vp.getByRole('heading', { level: 1, name: '我的审查环节' }).waitFor();
    await vp.getByRole('row').filter({ hasText: number }).getByRole('link', { name: '个体工商户设立登记' }).click();
    await vp.getByRole('heading', { level: 1, name: '个体工商户设立登记' }).waitFor();
    assert.equal(await vp.locator('#opinion').count(), 0, 'a one-step review is decided, not passed or returned');
    await vp.getByLabel('准予').check();
    await vp.getByLabel('决定内容').fill('符合个体工商户登记条件，准予登记。');
    await vp.getByRole('button', { name: '作出决定', exact: true }).click();
    await expectDone(vp, `已作出决定（${number}）。`);
    assert.equal(await state(vp), '已决定');
    await screenshot(vp, 'cases-decided.png');

    // 6. The clerk completes the case with the licence and hands it out at the window.
    await kp.goto(`${server.url}/workbench/intake`);
    await kp.getByRole('region', { name: '已决定，待办结' }).getByRole('row').filter({ hasText: number }).getByRole('link').click();
    await kp.getByLabel('结果名称（证照名称）').fill('营业执照');
    await kp.getByLabel('证照编号').fill(`YX-${number}`);
    await kp.getByRole('button', { name: '办结', exact: true }).click();
    await expectDone(kp, `已办结 ${number}。`);
    await kp.getByLabel('窗口领取').check();
    await kp.getByLabel('领取人').fill('本人');
    await kp.getByRole('button', { name: '送达（发放结果）' }).click();
    await expectDone(kp, `结果已送达（${number}）。`);
    assert.equal(await state(kp), '已送达');

    // 7. The citizen sees the finished case, its notices and its whole timeline.
    await deliverNotices();
    await cp.goto(`${server.url}/my/cases`);
    await cp.getByRole('region', { name: '已结束' }).getByRole('row').filter({ hasText: number }).getByRole('link').click();
    await cp.getByRole('heading', { level: 1, name: '个体工商户设立登记' }).waitFor();
    assert.equal(await state(cp), '已送达');
    await cp.getByRole('heading', { level: 3, name: '准予决定书' }).waitFor();
    await cp.getByRole('heading', { level: 3, name: '受理通知书' }).waitFor();
    await cp.getByText(`营业执照 编号 YX-${number}`).waitFor();
    const events = await cp.locator('.cs-timeline li strong').allInnerTexts();
    assert.deepEqual(events, ['创建草稿', '提交', '预审', '一次性告知补正', '补正后重新提交', '受理', '作出决定', '办结', '送达'], 'the timeline lists every step');
    await assertAccessible(cp, 'delivered case page');
    await screenshot(cp, 'cases-delivered.png');

    // In English the same page names states and events in English.
    await cp.getByRole('button', { name: 'English' }).click();
    assert.equal(await state(cp), 'Delivered');
    await cp.getByRole('heading', { level: 3, name: 'Decision to grant' }).waitFor();
    void id;

    for (const [who, errs] of [['citizen', citizen.pageErrors], ['clerk', clerk.pageErrors], ['approver', approver.pageErrors]] as const) {
      assert.deepEqual(errs, [], `${who} page errors`);
    }
    await Promise.all([cp.context().close(), kp.context().close(), vp.context().close()]);
  });

  test('the window registers a walk-in applicant with paper originals and accepts; a bundle opens one form', async () => {
    // 综合受理: the clerk finds the item, enters the applicant, checks the paper photo and submits.
    const clerk = await logIn('clerk');
    const kp = clerk.page;
    await kp.goto(`${server.url}/workbench/intake`);
    await kp.getByLabel('查找事项或一件事').fill('居住证');
    await kp.getByRole('button', { name: '搜索' }).click();
    await kp.getByRole('link', { name: '登记：居住证申领' }).click();
    await kp.getByRole('heading', { level: 1, name: '综合受理：居住证申领' }).waitFor();
    await assertAccessible(kp, 'window intake form');
    await kp.getByLabel('窗口申请').check();
    await kp.locator('#applicant-name').fill('李四');
    await kp.locator('#applicant-id-number').fill('440106198001010019');
    await kp.locator('#applicant-phone').fill('13900000009');
    await kp.locator('#form-applicant-name').fill('李四');
    await kp.locator('#form-applicant-id-number').fill('440106198001010019');
    await kp.locator('#form-contact-phone').fill('13900000009');
    await kp.locator('#form-contact-address').fill('云溪街道桂香路 8 号');
    const photo = kp.locator('.cs-material').filter({ has: kp.locator('#file-photo') });
    await photo.getByRole('button', { name: /登记纸质原件/ }).click();
    await photo.getByText('已提供').waitFor();
    await kp.getByRole('button', { name: '提交申请' }).click();
    await kp.getByText(/申请已提交，办件编号 YXBJ\d+。/).waitFor();
    assert.equal(await state(kp), '已提交');
    assert.match(await kp.locator('.cs-dl').innerText(), /李\*/, 'the applicant is shown masked to staff');
    await kp.getByRole('button', { name: '受理', exact: true }).click();
    await expectDone(kp, /已受理 YXBJ\d+，受理通知已发送。/);
    assert.equal(await state(kp), '审查中');
    await assertAccessible(kp, 'window case after acceptance');

    // 一件事一次办: an enterprise opens the restaurant bundle and gets one form and one set of materials.
    const enterprise = await logIn('13800000002');
    const ep = enterprise.page;
    await ep.goto(`${server.url}/services/bundles/YJS0001`);
    await ep.getByRole('link', { name: '申请办理' }).click();
    await ep.getByRole('heading', { level: 1, name: '申请办理：开餐馆一件事' }).waitFor();
    await ep.getByText('本次一并办理的事项').first().waitFor();
    const before = await ep.locator('.cs-material').count();
    assert.ok(before > 3, 'the bundle lists its merged materials once');
    await ep.getByRole('checkbox', { name: /公共场所卫生许可/ }).check();
    await ep.locator('#file-hygiene-licence-application').waitFor();
    assert.ok((await ep.locator('.cs-material').count()) > before, 'an optional item chosen adds its materials');
    await ep.getByRole('button', { name: '大字模式' }).click();
    assert.equal(await ep.locator('html.large-text').count(), 1, 'large-text mode is on');
    await assertAccessible(ep, 'bundle apply page in large-text mode');
    await screenshot(ep, 'cases-bundle-apply.png');

    for (const [who, errs] of [['clerk', clerk.pageErrors], ['enterprise', enterprise.pageErrors]] as const) {
      assert.deepEqual(errs, [], `${who} page errors`);
    }
    await Promise.all([kp.context().close(), ep.context().close()]);
  });
});
