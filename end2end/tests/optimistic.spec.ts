import { expect, Page, test } from '@playwright/test';
import { command, person, visit } from './helpers/api';
import { freshHandle, open, signUp } from './support';

/**
 * Holds a page's commands of one type at the network, so a test sees each stage: nothing reaches
 * the server until `send()`, and the server's answer reaches the page only after `answer()`.
 */
async function hold(page: Page, type: string) {
  let send!: () => void;
  let answer!: () => void;
  const sent = new Promise<void>((resolve) => (send = resolve));
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const state = { answered: false };
  await page.route('**/api/commands', async (route) => {
    if (route.request().postDataJSON()?.type !== type) return route.continue();
    await sent;
    const response = await route.fetch();
    await answered;
    await route.fulfill({ response });
    state.answered = true;
  });
  return { send, answer, state };
}

test('a post shows at once as pending, its push confirms it before the answer does, and it is shown once', async ({ browser }) => {
  const ann = await (await browser.newContext()).newPage();
  await open(ann);
  await signUp(ann, freshHandle('ann'), 'Ann');
  await expect(ann.getByTestId('connection')).toHaveText('live');
  const other = await (await browser.newContext()).newPage();
  await open(other);
  await expect(other.getByTestId('connection')).toHaveText('live');

  const held = await hold(ann, 'CreatePost');
  const text = `pending, then posted ${Date.now()}`;
  await ann.getByLabel('Post text').fill(text);
  await ann.getByRole('button', { name: 'Post', exact: true }).click();

  // At once, before the server has heard of it: on the page, marked as pending.
  const card = ann.locator('section.timeline article', { hasText: text });
  await expect(card).toHaveCount(1);
  await expect(card).toHaveAttribute('aria-busy', 'true');
  await expect(card).toHaveClass(/\bpending\b/);
  await expect(card.locator('.sending')).toHaveText('sending…');
  const id = await card.getAttribute('data-post-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);

  // The server takes it; its answer is held, so what confirms the post here is its live push.
  held.send();
  await expect(card).not.toHaveAttribute('aria-busy', 'true');
  await expect(card).not.toHaveClass(/\bpending\b/);
  await expect(card.locator('a.when')).toHaveAttribute('href', `/p/${id}`);
  expect(held.state.answered).toBe(false);
  held.answer();
  await expect.poll(() => held.state.answered).toBe(true);

  // One post, one card: the page's own copy and its push merged; the other page has it once;
  // and so does a fresh read.
  await expect(ann.locator(`article[data-post-id="${id}"]`)).toHaveCount(1);
  await expect(ann.locator(`article[data-post-id="${id}"]`)).not.toHaveAttribute('aria-busy', 'true');
  await expect(other.locator(`article[data-post-id="${id}"]`)).toHaveCount(1);
  await open(ann);
  await expect(ann.locator(`article[data-post-id="${id}"]`)).toHaveCount(1);
});

test('a reply to a post deleted meanwhile is rolled back with the reason, then taken away', async ({ browser }) => {
  const ann = await person(browser, 'ann');
  const bob = await person(browser, 'bob');
  const post = await command(ann.request, 'CreatePost', { text: `soon gone ${Date.now()}` });
  await expect
    .poll(async () => (await bob.request.get(`/api/posts/${post.id}?min_position=${post.position}`)).status())
    .toBe(200);
  const page = await bob.context.newPage();
  await visit(page, `/p/${post.id}`);
  await expect(page.locator('.focus article')).toHaveCount(1);
  await expect(page.getByTestId('connection')).toHaveText('live');

  // Ann deletes her post; Bob's page hears of it, and he replies anyway.
  await command(ann.request, 'DeletePost', { post_id: post.id });
  await expect(page.locator('.focus')).toContainText('This post is gone.');
  const held = await hold(page, 'CreatePost');
  const reply = `too late ${Date.now()}`;
  await page.getByLabel('Reply text').fill(reply);
  await page.getByRole('button', { name: 'Reply', exact: true }).click();
  const card = page.locator('.replies article', { hasText: reply });
  await expect(card).toHaveAttribute('aria-busy', 'true');
  held.send();
  held.answer();

  // Refused: struck through, with the server's reason; the words go back to the box.
  await expect(card).toHaveClass(/\brolled-back\b/);
  await expect(card).not.toHaveAttribute('aria-busy', 'true');
  await expect(card.getByRole('alert')).toHaveText('the post you reply to is not there');
  await expect(card.locator('.text')).toHaveCSS('text-decoration-line', 'line-through');
  await expect(page.getByLabel('Reply text')).toHaveValue(reply);
  // A moment later it is gone.
  await expect(card).toHaveCount(0, { timeout: 10_000 });
  await expect(page.locator('.replies')).toContainText('No replies yet.');
});

test('a like of a post deleted meanwhile goes back as it was, with the reason next to it', async ({ browser }) => {
  const ann = await person(browser, 'ann');
  const bob = await person(browser, 'bob');
  const word = `gone${Date.now().toString(36)}`;
  const post = await command(ann.request, 'CreatePost', { text: `like me ${word}` });
  await expect
    .poll(async () => {
      const answer = await bob.request.get(`/api/search?q=${word}&min_position=${post.position}`);
      return (await answer.json()).posts.length;
    })
    .toBe(1);
  // Search results are not live: the page keeps showing the post after it is deleted.
  const page = await bob.context.newPage();
  await visit(page, `/search?q=${word}`);
  const card = page.locator(`article[data-post-id="${post.id}"]`);
  await expect(card).toBeVisible();
  await command(ann.request, 'DeletePost', { post_id: post.id });

  const held = await hold(page, 'LikePost');
  const like = card.getByRole('button', { name: /^Like/ });
  await like.click();
  // At once: liked, counted, marked as sending.
  await expect(like).toHaveAttribute('aria-pressed', 'true');
  await expect(like).toHaveAttribute('aria-busy', 'true');
  await expect(like.locator('.count')).toHaveText('1');
  await expect(card.locator('.actions .sending')).toBeVisible();
  held.send();
  held.answer();

  // Refused: as it was before, and why, next to the button.
  await expect(card.getByRole('alert')).toHaveText('no such post');
  await expect(like).toHaveAttribute('aria-pressed', 'false');
  await expect(like).not.toHaveAttribute('aria-busy', 'true');
  await expect(like.locator('.count')).toHaveText('0');
  await expect(card.locator('.actions .sending')).toHaveCount(0);
});
