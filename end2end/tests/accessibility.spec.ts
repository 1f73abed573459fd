import { expect, Page, test } from '@playwright/test';
import { accessibilityProblems, freshHandle, open, signUp } from './support';

async function check(page: Page, path: string) {
  expect(await accessibilityProblems(page, path), path).toEqual([]);
}

test('every page has no serious or critical accessibility violation, signed out and in', async ({ page }) => {
  // Sixteen pages, each hydrated and then checked.
  test.setTimeout(120_000);
  await open(page);
  for (const path of ['/', '/search', '/search?q=hello', '/t/welcome', '/home', '/notifications', '/settings']) {
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

  for (const path of ['/', '/home', `/u/${handle}`, postPath!, `${postPath}/history`, '/t/welcome',
    '/search?q=checking', '/notifications', '/settings']) {
    await check(page, path);
  }
});
