// The web shell in a real browser: accessibility of the public pages, keyboard-only login,
// role-based navigation, the org tree, language and large-text switches, logout, and what a
// citizen may not see. Runs against the built web/dist served by the test server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../app.ts';
import { assertAccessible, ensureWebBuilt, launchBrowser, openPage as openFreshPage, PASSWORD, screenshot, skip } from './harness.ts';

const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

const navLabels = async (page: Page) =>
  (await page.getByRole('navigation').getByRole('link').allInnerTexts()).map((s) => s.trim());

const rootFontSize = (page: Page) =>
  page.evaluate(() => Number.parseFloat(getComputedStyle(document.documentElement).fontSize));

/** Logs in using only the keyboard: Tab to the username field, type, Tab, type, Enter. */
async function logInWithKeyboard(page: Page, base: string, username: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();
  for (let i = 0; i < 30 && (await activeId(page)) !== 'login-username'; i++) await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'login-username', 'Tab reaches the username field');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  assert.equal(await activeId(page), 'login-password', 'the password field follows the username field');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

describe('web shell in a browser', { skip }, () => {
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

  const openPage = () => openFreshPage(browser);

  test('login, register and portal pages pass axe and do not reveal demo credentials', async () => {
    const { page, pageErrors } = await openPage();
    await page.goto(`${server.url}/login`);
    await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.ok(!(await page.content()).includes(PASSWORD), 'the demo password is not in the page');
    await assertAccessible(page, 'login page');

    await page.goto(`${server.url}/portal`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByRole('searchbox').waitFor();
    assert.deepEqual(await navLabels(page), ['门户'], 'anonymous visitors see only the portal');
    await assertAccessible(page, 'portal page');

    await page.goto(`${server.url}/register`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await assertAccessible(page, 'registration page');
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });

  test('a wrong password shows the server message in the live region', async () => {
    const { page, pageErrors } = await openPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('用户名或手机号').fill('supervisor');
    await page.getByLabel('密码').fill('not-the-password');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/auth/login')),
      page.getByRole('button', { name: '登录', exact: true }).click(),
    ]);
    assert.equal(response.status(), 401);
    const body = (await response.json()) as { code: string; message: string };
    assert.equal(body.code, 'AUTH_INVALID_CREDENTIALS');
    assert.ok(body.message.length > 0);

    const alert = page.getByRole('alert').filter({ hasText: body.message });
    await alert.waitFor();
    assert.equal((await alert.innerText()).trim(), body.message);
    assert.equal(await alert.getAttribute('aria-live'), 'assertive');
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });

  test('admin: keyboard login, all areas, org tree, English, large text, logout', async () => {
    const { page, pageErrors } = await openPage();
    await logInWithKeyboard(page, server.url, 'admin');

    await page.getByRole('navigation').getByRole('link', { name: '管理', exact: true }).waitFor();
    assert.deepEqual(await navLabels(page), ['门户', '工作台', '热线', '大厅', '驾驶舱', '好差评', '事项库', '管理']);
    assert.match(await page.getByRole('banner').innerText(), /系统管理员/);

    // Open 管理 from the keyboard as well.
    await page.getByRole('navigation').getByRole('link', { name: '管理', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/admin');
    await page.getByRole('heading', { level: 1, name: '管理' }).waitFor();
    const root = page.locator('.org-tree').getByText('云溪区', { exact: true });
    await root.waitFor();
    const rootButton = page.locator('.org-tree').getByRole('button', { name: '云溪区', exact: true });
    assert.equal(await rootButton.getAttribute('aria-expanded'), 'true', 'the district opens by default');
    assert.ok((await page.locator('.org-tree li').count()) > 1, 'units below the district are listed');
    await assertAccessible(page, 'admin page with the org tree');

    await page.getByRole('button', { name: 'English', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.deepEqual(await navLabels(page), ['Portal', 'Workbench', 'Hotline', 'Hall', 'Dashboard', 'Ratings', 'Catalogue', 'Admin']);

    const before = await rootFontSize(page);
    const largeText = page.getByRole('button', { name: 'Large text' });
    await largeText.click();
    assert.equal(await largeText.getAttribute('aria-pressed'), 'true');
    const after = await rootFontSize(page);
    assert.ok(after >= before * 1.2, `root font size grew from ${before}px to ${after}px`);

    // Both settings survive a reload, and the session comes back from /api/auth/me.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
    assert.equal(await rootFontSize(page), after);

    await screenshot(page, 'shell-admin.png');

    // Logging out needs the CSRF token, which after the reload came from /api/auth/me.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    assert.deepEqual(await navLabels(page), ['Portal']);
    const me = await page.request.get(`${server.url}/api/auth/me`);
    assert.equal(me.status(), 401, 'the server session is gone');
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });

  test('citizen: logs in by phone and sees neither 管理 nor 热线', async () => {
    const { page, pageErrors } = await openPage();
    await logInWithKeyboard(page, server.url, '13800000001');
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    const labels = await navLabels(page);
    assert.ok(labels.includes('门户'), `nav: ${labels.join(', ')}`);
    assert.ok(!labels.includes('管理') && !labels.includes('热线'), `nav: ${labels.join(', ')}`);

    await page.goto(`${server.url}/admin`);
    await page.waitForURL((u) => u.pathname === '/forbidden');
    await page.getByRole('heading', { level: 1, name: '无权访问' }).waitFor();
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });
});
