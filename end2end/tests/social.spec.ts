import { expect, Page, test } from '@playwright/test';
import { follow, freshHandle, hydrated, newPerson, open, signUp, visit } from './support';

test('follow, mention and tag, a live home and notification, a reply, a like and an edit on both pages', async ({ browser }) => {
  const { page: ann, handle: annHandle } = await newPerson(browser, 'ann', 'Ann');
  const { page: bob, handle: bobHandle } = await newPerson(browser, 'bob', 'Bob');
  const tag = `t${Date.now().toString(36)}`;

  // Bob follows Ann from her profile; the button shows it at once.
  await follow(bob, annHandle);

  // Bob watches his home; Ann posts with a mention of Bob and a tag.
  await visit(bob, '/home');
  await expect(bob.locator('.connection')).toHaveText('live');
  const text = `hello @${bobHandle} #${tag} ${Date.now()}`;
  await visit(ann, '/home');
  await ann.getByLabel('Post text').fill(text);
  await ann.getByRole('button', { name: 'Post', exact: true }).click();
  const onBobsHome = bob.locator('article', { hasText: text });
  await expect(onBobsHome).toBeVisible({ timeout: 5_000 });
  await expect(onBobsHome.locator('.why')).toHaveText(`you follow @${annHandle}`);
  // The mention is a link, and the unread badge counts it.
  await expect(onBobsHome.getByRole('link', { name: `@${bobHandle}` })).toHaveAttribute('href', `/u/${bobHandle}`);
  await expect(bob.locator('.badge')).toHaveText('1', { timeout: 5_000 });

  // The tag's page lists the post; its time opens the thread.
  await onBobsHome.getByRole('link', { name: `#${tag}` }).click();
  await expect(bob).toHaveURL(new RegExp(`/t/${tag}$`));
  await hydrated(bob);
  const tagged = bob.locator('article', { hasText: text });
  await expect(tagged).toBeVisible();
  await tagged.locator('a.when').click();
  await expect(bob).toHaveURL(/\/p\//);
  await hydrated(bob);
  const threadUrl = bob.url();

  // Bob replies and likes.
  await bob.getByLabel('Reply text').fill('nice one');
  await bob.getByRole('button', { name: 'Reply', exact: true }).click();
  await expect(bob.locator('.replies article', { hasText: 'nice one' })).not.toHaveAttribute('aria-busy', 'true');
  const focus = bob.locator('.focus article');
  await focus.getByRole('button', { name: /^Like/ }).click();
  await expect(focus.getByRole('button', { name: /^Like/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(focus.getByRole('button', { name: /^Like/ })).toContainText('1');

  // Ann sees the reply live on her thread page, then edits; the edit shows on both pages.
  await visit(ann, new URL(threadUrl).pathname);
  await expect(ann.locator('.replies article', { hasText: 'nice one' })).toBeVisible();
  await ann.getByRole('button', { name: 'Edit' }).click();
  const edited = `edited ${text}`;
  await ann.getByLabel('New text').fill(edited);
  await ann.getByRole('button', { name: 'Save' }).click();
  await expect(ann.locator('.focus article .text')).toHaveText(edited);
  await expect(bob.locator('.focus article .text')).toHaveText(edited, { timeout: 5_000 });
  await expect(bob.locator('.focus article a.edited')).toBeVisible();

  // Ann's notifications: grouped, read on opening, the badge clears.
  await visit(ann, '/notifications');
  await expect(ann.locator('.group[data-kind="like"]')).toContainText('Bob liked your post');
  await expect(ann.locator('.group[data-kind="reply"]')).toContainText('replied to your post');
  await expect(ann.locator('.badge')).toHaveCount(0);
});

test('a like the server refuses is rolled back with the reason', async ({ browser }) => {
  const ann = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  const annHandle = freshHandle('ann');
  const bobHandle = freshHandle('bob');
  await open(ann);
  await signUp(ann, annHandle, 'Ann');
  await open(bob);
  await signUp(bob, bobHandle, 'Bob');
  const text = `block me ${Date.now()}`;
  await ann.getByLabel('Post text').fill(text);
  await ann.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(ann.locator('article', { hasText: text })).not.toHaveAttribute('aria-busy', 'true');

  // Bob has the post on screen; then Ann blocks him.
  await open(bob);
  const card = bob.locator('article', { hasText: text });
  await expect(card).toBeVisible();
  await visit(ann, `/u/${bobHandle}`);
  await ann.getByRole('button', { name: 'Block', exact: true }).click();
  await expect(ann.getByRole('button', { name: 'Unblock' })).toBeVisible();
  await expect
    .poll(async () => (await ann.request.get(`/api/me/blocked`)).json().then((b) => b.items.length))
    .toBe(1);

  await card.getByRole('button', { name: /^Like/ }).click();
  await expect(card.getByRole('alert')).toHaveText('you cannot like this post');
  await expect(card.getByRole('button', { name: /^Like/ })).toHaveAttribute('aria-pressed', 'false');
  await expect(card.getByRole('button', { name: /^Like/ })).toContainText('0');
});

test('a post with markup shows it as text', async ({ page }) => {
  await open(page);
  await signUp(page, freshHandle('eve'), 'Eve');
  const text = `<script>window.hacked = 1</script><b>bold?</b> ${Date.now()}`;
  await page.getByLabel('Post text').fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(page.locator('article', { hasText: '<script>' })).not.toHaveAttribute('aria-busy', 'true');
  await open(page);
  await expect(page.locator('article .text', { hasText: '<b>bold?</b>' })).toBeVisible();
  expect(await page.evaluate(() => (window as any).hacked)).toBeUndefined();
});
