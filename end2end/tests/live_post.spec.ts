import { expect, test } from '@playwright/test';
import { freshHandle, open, signUp } from './support';

test('a post travels from one browser to another without a reload', async ({ browser }) => {
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  await open(a);
  await open(b);

  await signUp(a, freshHandle('ann'), 'Ann');
  await signUp(b, freshHandle('bob'), 'Bob');
  await expect(b.getByRole('status')).toHaveText('live');

  const text = `Hello from Ann ${Date.now()}`;
  await a.getByLabel('Post text').fill(text);
  const sent = Date.now();
  await a.getByRole('button', { name: 'Post', exact: true }).click();

  const seen = b.locator('article', { hasText: text });
  await expect(seen).toBeVisible({ timeout: 2_000 });
  const latency = Date.now() - sent;
  console.log(`post → other browser: ${latency} ms`);
  await expect(seen).toContainText('Ann');

  // The author's own copy is confirmed (no longer pending) by the same push.
  await expect(a.locator('article', { hasText: text })).not.toHaveAttribute('aria-busy', 'true');
});

test('a reload shows the same timeline, server-rendered', async ({ page }) => {
  await open(page);
  await signUp(page, freshHandle('cat'), 'Cat');
  const text = `Persisted ${Date.now()}`;
  await page.getByLabel('Post text').fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(page.locator('article', { hasText: text })).not.toHaveAttribute('aria-busy', 'true');
  await open(page);
  await expect(page.locator('article', { hasText: text })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('signing out and in again', async ({ page }) => {
  const handle = freshHandle('dan');
  await open(page);
  await signUp(page, handle, 'Dan');
  await page.getByRole('button', { name: 'Sign out' }).click();
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Handle').fill(handle);
  await form.getByLabel('Password').fill('wrong password');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(form.getByRole('alert')).toHaveText('Wrong handle or password.');
  await form.getByLabel('Password').fill('correct horse battery');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('an empty post is refused with a message and nothing is posted', async ({ page }) => {
  await open(page);
  await signUp(page, freshHandle('eve'), 'Eve');
  const before = await page.locator('article').count();
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(page.getByRole('form', { name: 'Compose' }).getByRole('alert')).toHaveText('Write something first.');
  await expect(page.locator('article')).toHaveCount(before);
});
