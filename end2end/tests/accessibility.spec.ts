import { expect, Page, test } from '@playwright/test';
import { accessibilityProblems, freshHandle, hydrated, open, signUp } from './support';

async function check(page: Page, path: string) {
  expect(await accessibilityProblems(page, path), path).toEqual([]);
}

test('every page has no serious or critical accessibility violation, signed out and in', async ({ page }) => {
  // Twenty-three pages, each hydrated and then checked.
  test.setTimeout(150_000);
  const statement = `/wallet/statements/${new Date().getUTCFullYear()}`;
  await open(page);
  for (const path of ['/', '/search', '/search?q=hello', '/t/welcome', '/home', '/notifications', '/settings',
    '/wallet', '/wallet/why?at=1', statement]) {
    await check(page, path);
  }

  const handle = freshHandle('axe');
  await open(page);
  await signUp(page, handle, 'Axe Tester');
  await page.getByLabel('Post text').fill('checking #welcome with @' + handle);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const article = page.locator('article', { hasText: 'checking #welcome' });
  await expect(article).not.toHaveAttribute('aria-busy', 'true');
  const postPath = await article.locator('a.when').getAttribute('href');

  // The wallet with something in it: a top-up, so the movements, the why page and the statement
  // have rows to check.
  await page.goto('/wallet');
  await hydrated(page);
  const topUp = page.getByRole('form', { name: 'Top up' });
  await topUp.getByLabel('Top-up amount').fill('25');
  await topUp.getByRole('button', { name: 'Top up' }).click();
  await expect(page.locator('.movements .movement').first()).toBeVisible();
  const why = await page.locator('.movements .movement a.why').first().getAttribute('href');

  for (const path of ['/', '/home', `/u/${handle}`, postPath!, `${postPath}/history`, '/t/welcome',
    '/search?q=checking', '/notifications', '/settings', '/wallet', why!, '/wallet/why?at=1', statement]) {
    await check(page, path);
  }
});

test('the API page has no serious or critical accessibility violation', async ({ page }) => {
  expect(await accessibilityProblems(page, '/api/docs', { hydrates: false })).toEqual([]);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Agora API');
  await expect(page.getByRole('heading', { name: 'POST /api/commands' })).toBeVisible();
});
