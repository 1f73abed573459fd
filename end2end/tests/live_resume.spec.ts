import { expect, Page, test } from '@playwright/test';
import { command, person, visit } from './helpers/api';
import { startProxy } from './helpers/proxy';
import { OwnServer } from './helpers/server';

/** The public timeline as a page shows it, top to bottom: each post's id and its like count. */
async function shown(page: Page) {
  return page.locator('section.timeline article[data-post-id]').evaluateAll((cards) =>
    cards.map((card) => ({
      id: card.getAttribute('data-post-id'),
      likes: card.querySelector('.like .count')?.textContent ?? '',
    })),
  );
}

test('a page cut off from the network catches up when it is back: new posts once and in order, a deletion, a like', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  const proxy = await startProxy(Number(new URL(baseURL!).port));
  try {
    const ann = await person(browser, 'ann');
    const bob = await person(browser, 'bob');
    const post = async (n: number) =>
      (await command(bob.request, 'CreatePost', { text: `resume ${n} by ${bob.handle}` })).id!;

    // Ann reads the public timeline through the proxy; Cat (signed out) reads it straight, never cut.
    const a = await ann.context.newPage();
    await visit(a, `${proxy.url}/`);
    await expect(a.getByText(`@${ann.handle}`).first()).toBeVisible();
    await expect(a.getByTestId('connection')).toHaveText('live');
    const c = await (await browser.newContext()).newPage();
    await visit(c, '/');
    await expect(c.getByTestId('connection')).toHaveText('live');

    // Bob posts (straight to the server): Ann sees it live.
    const early = [await post(1), await post(2), await post(3)];
    for (const id of early) await expect(a.locator(`article[data-post-id="${id}"]`)).toHaveCount(1);

    proxy.cut();
    await expect(a.getByTestId('connection')).toHaveText('reconnecting');
    const late: string[] = [];
    for (let n = 4; n <= 8; n++) late.push(await post(n));
    await command(bob.request, 'LikePost', { post_id: early[0] });
    await command(bob.request, 'DeletePost', { post_id: early[1] });

    // The page that stayed connected has it all: newest first, the deleted post gone, the like counted.
    const bobs = new Set([...early, ...late]);
    const expected = [...late].reverse().map((id) => ({ id, likes: '0' }));
    expected.push({ id: early[2], likes: '0' }, { id: early[0], likes: '1' });
    await expect
      .poll(async () => (await shown(c)).filter((p) => bobs.has(p.id!)))
      .toEqual(expected);
    // Ann's page did not move: it really was cut off.
    await expect(a.locator(`article[data-post-id="${late[0]}"]`)).toHaveCount(0);
    await expect(a.locator(`article[data-post-id="${early[1]}"]`)).toHaveCount(1);
    await expect(a.getByTestId('connection')).toHaveText('reconnecting');

    proxy.restore();
    await expect(a.getByTestId('connection')).toHaveText('live', { timeout: 20_000 });
    // Exactly what the page that never left shows: every post once, in the same order.
    const reference = await shown(c);
    await expect.poll(() => shown(a), { timeout: 20_000 }).toEqual(reference);
    for (const id of [...early, ...late]) {
      await expect(a.locator(`article[data-post-id="${id}"]`)).toHaveCount(id === early[1] ? 0 : 1);
    }
  } finally {
    await proxy.close();
  }
});

test('a page open while the server restarts catches up with what happened meanwhile', async ({ browser }) => {
  // A server of this test's own, on a durable database: it stops and starts again on the same data.
  test.setTimeout(180_000);
  const server = new OwnServer();
  await server.start();
  const proxy = await startProxy(server.port);
  try {
    const ann = await person(browser, 'ann', server.url);
    const bob = await person(browser, 'bob', server.url);
    const post = async (n: number) =>
      (await command(bob.request, 'CreatePost', { text: `restart ${n}` }, server.url)).id!;
    const a = await ann.context.newPage();
    await visit(a, `${proxy.url}/`);
    await expect(a.getByTestId('connection')).toHaveText('live');
    const early = [await post(1), await post(2)];
    for (const id of early) await expect(a.locator(`article[data-post-id="${id}"]`)).toHaveCount(1);

    // The page loses the server; the server stops and starts again (with an empty memory of
    // recent changes) and takes more while the page is still away.
    proxy.cut();
    await expect(a.getByTestId('connection')).toHaveText('reconnecting');
    await server.stop();
    await server.start();
    proxy.retarget(server.port);
    const late = [await post(3), await post(4), await post(5)];
    await command(bob.request, 'LikePost', { post_id: early[0] }, server.url);
    const last = await command(bob.request, 'DeletePost', { post_id: early[1] }, server.url);

    proxy.restore();
    await expect(a.getByTestId('connection')).toHaveText('live', { timeout: 30_000 });
    const answer = await bob.request.get(`${server.url}/api/timeline/public?min_position=${last.position}`);
    const expected = (await answer.json()).items.map((p: { id: string; likes: number }) => ({
      id: p.id,
      likes: String(p.likes),
    }));
    expect(expected.map((p: { id: string }) => p.id)).toEqual([...late].reverse().concat(early[0]));
    await expect.poll(() => shown(a), { timeout: 20_000 }).toEqual(expected);
  } finally {
    await proxy.close();
    await server.dispose();
  }
});
