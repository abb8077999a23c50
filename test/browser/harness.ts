// What every browser test needs: Debian's chromium launched headless with the flags this network
// needs, a web build no older than its sources, a fresh page that records errors, axe, screenshots.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = '/usr/bin/chromium';
export const PASSWORD = 'yiwang-demo-2026';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const screenshotDir = path.join(repo, 'test-results');

// Locally a missing browser skips with a reason; in CI it must fail, so CI cannot pass vacuously.
export const skip =
  !fs.existsSync(CHROMIUM) && !process.env.CI
    ? `browser tests skipped: ${CHROMIUM} not found (apt-get install chromium fonts-wqy-zenhei)`
    : false;

function newestMtime(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(p).map((name) => newestMtime(path.join(p, name))));
}

/** Builds web/dist unless it is already newer than every source file. */
export async function ensureWebBuilt(): Promise<void> {
  const built = path.join(repo, 'web/dist/index.html');
  const sources = ['web/src', 'web/index.html', 'web/vite.config.ts'].map((p) => newestMtime(path.join(repo, p)));
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs > Math.max(...sources)) return;
  await build({ configFile: path.join(repo, 'web/vite.config.ts'), logLevel: 'warn' });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser profile (no cookies, no saved language) that records page errors. */
export async function openPage(browser: Browser, height = 800): Promise<{ page: Page; pageErrors: Error[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (err) => pageErrors.push(err));
  return { page, pageErrors };
}

/** A fresh page (see openPage, 900 px high) signed in at `base` as a demo account with the demo password. */
export async function logIn(browser: Browser, base: string, username: string): Promise<{ page: Page; pageErrors: Error[] }> {
  const opened = await openPage(browser, 900);
  await opened.page.goto(`${base}/login`);
  await opened.page.getByLabel('用户名或手机号').fill(username);
  await opened.page.getByLabel('密码').fill(PASSWORD);
  await opened.page.getByRole('button', { name: '登录', exact: true }).click();
  await opened.page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return opened;
}

export async function assertAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  const found = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  assert.deepEqual(found, [], `${what} has accessibility violations`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, name), fullPage: true });
}

/**
 * Waits for an action's success message (`okSelector` holding `text`); when an error alert shows
 * instead, fails with the alert's text rather than a timeout. The alerts are read at once: one that
 * flashed and went during a re-render would otherwise be waited for until the timeout.
 */
export async function expectDone(page: Page, okSelector: string, text: string | RegExp): Promise<void> {
  const ok = page.locator(okSelector).filter({ hasText: text });
  const failed = page.locator('.alert:not(:empty)');
  const waits = [ok.waitFor(), failed.first().waitFor()];
  for (const w of waits) w.catch(() => {}); // the loser's timeout is not an unhandled rejection
  await Promise.race(waits);
  const errors = (await failed.allInnerTexts()).map((s) => s.trim()).filter(Boolean);
  if (errors.length) assert.fail(`the page reports: ${errors.join(' | ')}`);
  await ok.waitFor();
}
