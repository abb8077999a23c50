// The catalogue editor in a real browser: the administrator starts a draft of a demo item, meets
// the server's problems at the fields, edits time limits and FAQs (by keyboard), compares the
// draft with the version in force and submits it; the supervisor returns it once and then
// publishes it; the public guide shows the new version. Also the JSON export and import.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../app.ts';
import { DEMO_ITEM_CODES } from '../../src/modules/catalog/fixtures/demo-catalog.ts';
import { assertAccessible, ensureWebBuilt, launchBrowser, openPage as openFreshPage, screenshot, skip, expectDone as expectDoneOn, logIn as logInAs } from './harness.ts';

const CODE = DEMO_ITEM_CODES.hygieneLicence;
const NAME = '公共场所卫生许可';
const chinaToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

describe('catalogue editor in a browser', { skip }, () => {
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

  const openPage = () => openFreshPage(browser, 900);

  const logIn = (username: string) => logInAs(browser, server.url, username);

  const expectDone = (page: Page, text: string | RegExp) => expectDoneOn(page, '.ce-ok', text);

  /** The form field (label, control, its messages) whose label is `label`, inside `scope`. */
  const fieldOf = (scope: ReturnType<Page['locator']>, label: string) =>
    scope.locator('.field').filter({ has: scope.page().getByText(label, { exact: true }) }).first();

  async function openItem(page: Page): Promise<void> {
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '事项库' }).click();
    await page.getByRole('heading', { level: 1, name: '事项库管理' }).waitFor();
    await page.getByLabel('名称或编码').fill(NAME);
    await page.getByRole('link', { name: NAME, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
  }

  test('admin edits and submits a draft, supervisor returns then publishes it, the public guide shows it', async () => {
    // 1. The administrator finds the item and starts a draft from the published version.
    const admin = await logIn('admin');
    const ap = admin.page;
    await openItem(ap);
    const history = ap.getByRole('table', { name: '版本历史' });
    assert.match(await history.getByRole('row').nth(1).innerText(), /第 1 版[\s\S]*已发布[\s\S]*在用/);
    await ap.getByRole('heading', { name: '在用版本（第 1 版）' }).waitFor();
    await assertAccessible(ap, 'item page');
    await ap.getByRole('button', { name: '新建草稿' }).click();
    await ap.waitForURL(/\/catalog\/versions\//);
    await ap.getByRole('heading', { level: 1, name: NAME }).waitFor();
    assert.match(await ap.locator('.ce-subtitle').innerText(), /第 2 版\s*草稿/);
    await ap.getByRole('heading', { level: 2, name: '申请材料' }).waitFor();
    await screenshot(ap, 'catalog-editor-draft.png');
    await assertAccessible(ap, 'draft editor');

    // 2. The server's problems appear at their fields: a schema failure (empty name) …
    const name = ap.getByLabel('事项名称', { exact: true });
    await name.fill('');
    await ap.getByRole('button', { name: '保存草稿' }).click();
    const nameField = fieldOf(ap.locator('.ce-form'), '事项名称');
    await nameField.getByText('必填。').waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal(await ap.evaluate(() => document.activeElement?.classList.contains('ce-summary')), true, 'focus moves to the list of problems');
    assert.deepEqual(await ap.locator('.ce-summary a').allInnerTexts(), ['事项名称'], 'the list names the field');
    await assertAccessible(ap, 'draft editor showing a field error');
    // … and the catalogue's rules (a promised limit above the legal one, a conditional material
    // without its condition), each named by its error code at the group it concerns.
    await name.fill(NAME);
    const promised = ap.getByRole('group', { name: '承诺办结时限' });
    await promised.getByLabel('天数').fill('99');
    const material = ap.getByRole('group', { name: '材料 1「公共场所卫生许可申请书」' });
    await material.getByLabel('情形材料（特定情形下提交）').check();
    await ap.getByRole('button', { name: '保存草稿' }).click();
    await promised.getByText(/^时限不符合规则：.*exceeds the legal limit/).waitFor();
    await material.getByText(/^材料要素不符合规则：.*conditional but says no condition/).waitFor();
    await material.getByLabel('适用情形').waitFor();
    // The summary links to the field groups; following a link by keyboard lands there.
    assert.deepEqual(await ap.locator('.ce-summary a').allInnerTexts(), ['承诺办结时限', '材料 1「公共场所卫生许可申请书」']);
    await assertAccessible(ap, 'draft editor showing rule problems');
    await ap.locator('.ce-summary a').first().focus();
    await ap.keyboard.press('Enter');
    assert.equal(await ap.evaluate(() => document.activeElement?.id), 'ce-promisedLimit');

    // 3. The real edit: a shorter promise and a new FAQ, added with the keyboard.
    await material.getByLabel('必需材料').check();
    await promised.getByLabel('天数').fill('2');
    await promised.getByLabel('时限说明').fill('告知承诺制：材料齐全当场发证，2 个工作日内现场核查');
    const faqs = ap.locator('#ce-faqs');
    const before = await faqs.getByRole('group').count();
    await ap.getByRole('button', { name: '添加问题' }).focus();
    await ap.keyboard.press('Enter');
    assert.equal(await ap.evaluate(() => document.activeElement?.id), `ce-faqs-${before}-question`, 'focus moves into the new entry');
    await ap.keyboard.type('游泳场所也要办卫生许可吗？');
    await ap.keyboard.press('Tab');
    await ap.keyboard.type('需要。游泳场所属于公共场所，开业前应当取得公共场所卫生许可证。');

    // The diff names the changes against the version in force, as they are typed.
    const diff = ap.getByRole('table', { name: /在用的第 1 版与本草稿（第 2 版）的对照/ });
    const promisedRow = diff.getByRole('row').filter({ hasText: '承诺办结时限' });
    assert.match(await promisedRow.innerText(), /修改[\s\S]*3 个工作日[\s\S]*2 个工作日/);
    assert.match(await diff.getByRole('row').filter({ hasText: '游泳场所也要办卫生许可吗' }).innerText(), /新增/);

    await ap.getByRole('button', { name: '保存草稿' }).click();
    await expectDone(ap, '草稿已保存。');
    await ap.getByText('所有修改已保存。').waitFor();

    // Large text mode keeps the editor usable and accessible.
    await ap.getByRole('button', { name: '大字模式' }).click();
    assert.equal(await ap.evaluate(() => document.documentElement.classList.contains('large-text')), true);
    await assertAccessible(ap, 'draft editor in large text mode');
    await screenshot(ap, 'catalog-editor-large-text.png');
    await ap.getByRole('button', { name: '大字模式' }).click();

    await ap.getByRole('button', { name: '提交审核' }).click();
    await expectDone(ap, '已提交审核。');
    assert.match(await ap.locator('.ce-subtitle').innerText(), /第 2 版\s*待审核/);

    // 4. The supervisor (catalog:review only) finds it waiting, compares and returns it once.
    const supervisor = await logIn('supervisor');
    const sp = supervisor.page;
    await sp.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '事项库' }).click();
    await sp.getByRole('heading', { level: 1, name: '事项库管理' }).waitFor();
    assert.equal(await sp.getByLabel('状态').inputValue(), 'review', 'reviewers start with what waits for them');
    assert.equal(await sp.getByRole('button', { name: '导出 JSON' }).count(), 0, 'import and export are for editors');
    await sp.getByRole('link', { name: NAME, exact: true }).waitFor();
    await assertAccessible(sp, 'catalogue list for a reviewer');
    await sp.getByRole('link', { name: NAME, exact: true }).click();
    await sp.getByRole('link', { name: '审核第 2 版' }).click();
    await sp.getByRole('heading', { level: 2, name: '审核' }).waitFor();
    const review = sp.getByRole('table', { name: /在用的第 1 版与本版本（第 2 版）的对照/ });
    assert.match(await review.getByRole('row').filter({ hasText: '承诺办结时限' }).innerText(), /修改/);
    await sp.getByText('共 2 处修改。').waitFor();
    await screenshot(sp, 'catalog-editor-review.png');
    await assertAccessible(sp, 'review page');

    await sp.getByRole('button', { name: '退回', exact: true }).click();
    await sp.getByText('请填写退回原因（至少 2 个字）。').waitFor();
    assert.equal(await sp.evaluate(() => document.activeElement?.id), 'ce-return-reason');
    await sp.getByLabel('退回原因').fill('请在常见问题中写明游泳场所的水质检测要求。');
    await sp.getByRole('button', { name: '退回', exact: true }).click();
    await expectDone(sp, '已退回修改。');

    // 5. The administrator sees the reason, completes the answer and submits again.
    await ap.reload();
    await ap.getByText('审核退回：请在常见问题中写明游泳场所的水质检测要求。').waitFor();
    const answer = ap.locator(`#ce-faqs-${before}-answer`);
    await answer.fill('需要。游泳场所属于公共场所，开业前应当取得公共场所卫生许可证，并提交水质检测报告。');
    await ap.getByRole('button', { name: '提交审核' }).click(); // saves the change first
    await expectDone(ap, '已提交审核。');

    // 6. The supervisor publishes it from today.
    await sp.reload();
    await sp.getByRole('heading', { level: 3, name: '批准并发布' }).waitFor();
    assert.equal(await sp.getByLabel('生效日期').inputValue(), chinaToday());
    await sp.getByRole('button', { name: '批准发布' }).click();
    await expectDone(sp, `第 2 版已发布，自 ${chinaToday()} 起施行。`);
    assert.match(await sp.locator('.ce-subtitle').innerText(), /第 2 版\s*已发布/);
    await sp.getByRole('link', { name: '返回事项' }).click();
    assert.match(await sp.getByRole('table', { name: '版本历史' }).getByRole('row').nth(1).innerText(), /第 2 版[\s\S]*已发布[\s\S]*在用/);
    await assertAccessible(sp, 'item page after publishing');

    // 7. Anyone reading the public guide sees the new version.
    const citizen = await openPage();
    const cp = citizen.page;
    await cp.goto(`${server.url}/services/${CODE}`);
    await cp.getByRole('heading', { level: 1, name: NAME }).waitFor();
    await cp.getByText(`第 2 版，自 ${chinaToday()} 起施行`).waitFor();
    await cp.getByText('游泳场所也要办卫生许可吗？').waitFor();
    assert.match(await cp.locator('.highlights').innerText(), /承诺时限\s*2 个工作日/);

    for (const [who, errs] of [['admin', admin.pageErrors], ['supervisor', supervisor.pageErrors], ['citizen', citizen.pageErrors]] as const) {
      assert.deepEqual(errs, [], `${who} page errors`);
    }
    await Promise.all([ap.context().close(), sp.context().close(), cp.context().close()]);
  });

  test('admin exports the catalogue as JSON and imports it back', async () => {
    const { page, pageErrors } = await logIn('admin');
    await page.goto(`${server.url}/catalog`);
    await page.getByRole('heading', { level: 1, name: '事项库管理' }).waitFor();
    await assertAccessible(page, 'catalogue list for an editor');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 JSON' }).click()]);
    assert.match(download.suggestedFilename(), /^catalog-\d{4}-\d{2}-\d{2}\.json$/);
    const file = await download.path();
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { format: string; items: unknown[] };
    assert.equal(doc.format, 'yiwang.catalog/1');
    assert.ok(doc.items.length >= 30);

    // Importing what was exported changes nothing.
    await page.getByLabel('目录文件（JSON）').setInputFiles(file);
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await expectDone(page, /已导入/);
    await page.getByText('新增 0，更新 0').waitFor();

    // A file that is not JSON is refused with its name.
    await page.getByLabel('目录文件（JSON）').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('not json') });
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: '“notes.json”不是有效的 JSON 文件。' }).waitFor();
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });
});
