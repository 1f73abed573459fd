import { expect, Page, test } from '@playwright/test';
import { follow, newPerson, visit } from './support';

// Run against the server whose authors are "wide" from their first follower on (see
// playwright.config.ts): a followed author's posts reach their followers' homes through one change
// on the author's source topic, and a follow makes an open home refetch.

async function post(page: Page, text: string) {
  await visit(page, '/home');
  await page.getByLabel('Post text').fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(page.locator('article', { hasText: text })).not.toHaveAttribute('aria-busy', 'true');
}

test('a wide author’s posts reach an open home live, and a new follower’s open home shows them without a reload', async ({ browser }) => {
  const { page: ann, handle: annHandle } = await newPerson(browser, 'ann', 'Ann');
  const { page: bob } = await newPerson(browser, 'bob', 'Bob');

  // Bob follows Ann and watches his home; her first post after it makes her wide, and reaches
  // him live all the same, saying why it is there.
  await follow(bob, annHandle);
  await visit(bob, '/home');
  await expect(bob.locator('.connection')).toHaveText('live');
  const first = `first to the crowd ${Date.now()}`;
  await post(ann, first);
  const onBobsHome = bob.locator('article', { hasText: first });
  await expect(onBobsHome).toBeVisible({ timeout: 5_000 });
  await expect(onBobsHome.locator('.why')).toHaveText(`you follow @${annHandle}`);
  const second = `second to the crowd ${Date.now()}`;
  await post(ann, second);
  await expect(bob.locator('article', { hasText: second })).toBeVisible({ timeout: 5_000 });

  // Carl keeps his home open in one tab and follows Ann in another: the open home is told to
  // refetch, and shows her posts since she became wide, with no reload.
  const { context: carlContext, page: carl } = await newPerson(browser, 'carl', 'Carl');
  await visit(carl, '/home');
  await expect(carl.locator('.connection')).toHaveText('live');
  await expect(carl.locator('article', { hasText: first })).toHaveCount(0);
  const carlsOtherTab = await carlContext.newPage();
  await follow(carlsOtherTab, annHandle);
  for (const text of [first, second]) {
    await expect(carl.locator('article', { hasText: text })).toBeVisible({ timeout: 5_000 });
  }
  // …and the next post arrives live, like anyone's.
  const third = `third to the crowd ${Date.now()}`;
  await post(ann, third);
  await expect(carl.locator('article', { hasText: third })).toBeVisible({ timeout: 5_000 });
  await expect(bob.locator('article', { hasText: third })).toBeVisible({ timeout: 5_000 });
});
