import AxeBuilder from '@axe-core/playwright';
import { Browser, expect, Page } from '@playwright/test';

/**
 * Waits until the page has hydrated (clicks before that do nothing). A fresh browser context
 * fetches and compiles the debug build's WebAssembly anew, which takes seconds on a busy machine:
 * this is a wait for readiness, not a measure of speed, so it is given most of a test's time.
 */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 20_000 });
}

/** Opens the public page and waits until the app has hydrated. */
export async function open(page: Page) {
  await page.goto('/');
  await hydrated(page);
}

/** Goes to a page (a path of the config's server, or a whole URL) and waits for it to hydrate. */
export async function visit(page: Page, url: string) {
  await page.goto(url);
  await hydrated(page);
}

/** Follows `handle` from their profile: the button shows it at once, the server has it when the
 * profile says so. */
export async function follow(page: Page, handle: string) {
  await visit(page, `/u/${handle}`);
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Unfollow' })).toBeVisible();
  await expect
    .poll(async () => (await (await page.request.get(`/api/users/${handle}`)).json()).you_follow)
    .toBe(true);
}

/** A handle nobody has used in this server's life. */
export function freshHandle(prefix: string) {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`.slice(0, 20);
}

export async function signUp(page: Page, handle: string, displayName: string) {
  const form = page.getByRole('form', { name: 'Sign up' });
  await form.getByLabel('Handle').fill(handle);
  await form.getByLabel('Display name').fill(displayName);
  await form.getByLabel('Password').fill('correct horse battery');
  await form.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByText(`@${handle}`).first()).toBeVisible();
}

/** A new person in a browser of their own, signed up on the public page. */
export async function newPerson(browser: Browser, prefix: string, name: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const handle = freshHandle(prefix);
  await open(page);
  await signUp(page, handle, name);
  return { context, page, handle };
}

/** Serious and critical accessibility violations (axe-core) of a page, after it hydrated. */
export async function accessibilityProblems(page: Page, path: string, { hydrates = true } = {}) {
  await page.goto(path);
  // Pages of the app hydrate; the API's page (/api/docs) is plain HTML.
  if (hydrates) await hydrated(page);
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  console.log(`axe ${path}: ${results.violations.length} violations, ${found.length} serious or critical`);
  return found;
}
