import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import { command, person, visit } from './helpers/api';

test('a person downloads their data, then erases themselves, and their posts go from every page', async ({ browser }) => {
  test.setTimeout(60_000);
  const ann = await person(browser, 'ann');
  const bob = await person(browser, 'bob');
  const follow = await command(bob.request, 'Follow', { handle: ann.handle });
  await expect
    .poll(async () => (await (await bob.request.get(`/api/users/${ann.handle}?min_position=${follow.position}`)).json()).you_follow)
    .toBe(true);
  const text = `secret words #shredme${Date.now().toString(36)}`;
  const post = await command(ann.request, 'CreatePost', { text });
  // Bob's home and the search have the post before anything is erased, so its going is a change.
  await expect
    .poll(async () => {
      const home = await (await bob.request.get(`/api/timeline/home?min_position=${post.position}`)).json();
      return home.items.some((p: { id: string }) => p.id === post.id);
    })
    .toBe(true);
  await expect
    .poll(async () => {
      const found = await (await bob.request.get(`/api/search?q=secret&min_position=${post.position}`)).json();
      return found.posts.some((p: { id: string }) => p.id === post.id);
    })
    .toBe(true);

  const home = await bob.context.newPage();
  await visit(home, '/home');
  await expect(home.locator('article', { hasText: 'secret words' })).toBeVisible();
  await expect(home.getByTestId('connection')).toHaveText('live');

  // Ann downloads her data: one envelope a line, her own words decrypted.
  const settings = await ann.context.newPage();
  await visit(settings, '/settings');
  const downloading = settings.waitForEvent('download');
  await settings.getByTestId('download-data').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`agora-${ann.handle}.ndjson`);
  const data = fs.readFileSync(await download.path(), 'utf8');
  expect(data).toContain('secret words');
  const lines = data.split('\n').filter((line) => line.trim() !== '');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(() => JSON.parse(line), line).not.toThrow();
  }

  // The button waits for her handle, typed whole.
  const erase = settings.getByTestId('erase-account');
  await expect(erase).toBeDisabled();
  await settings.getByTestId('erase-confirm').fill(ann.handle.slice(0, -1));
  await expect(erase).toBeDisabled();
  await settings.getByTestId('erase-confirm').fill(ann.handle);
  await expect(erase).toBeEnabled();
  const answered = settings.waitForResponse(
    (r) => r.url().endsWith('/api/commands') && r.request().postDataJSON()?.type === 'EraseUser',
  );
  await erase.click();
  const answer = await answered;
  expect(answer.status(), await answer.text()).toBe(200);
  const erased = (await answer.json()).position;

  // She lands on the public page, signed out, and her session is over at the server too.
  await expect(settings).toHaveURL(/\/$/);
  await expect(settings.getByRole('form', { name: 'Sign in' })).toBeVisible();
  await expect(settings.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  expect((await ann.request.get('/api/me')).status()).toBe(401);
  await expect(settings.locator('article', { hasText: 'secret words' })).toHaveCount(0);

  // Bob's home, never reloaded, lets the post go live.
  await expect(home.locator('article', { hasText: 'secret words' })).toHaveCount(0, { timeout: 10_000 });

  // Search finds nothing of hers, by the API and on the page.
  await expect
    .poll(async () => {
      const found = await (await bob.request.get(`/api/search?q=secret&min_position=${erased}`)).json();
      const hers = (p: { id: string; author: { handle: string } }) => p.id === post.id || p.author.handle === ann.handle;
      return found.posts.filter(hers).length;
    })
    .toBe(0);
  const page = await bob.context.newPage();
  await visit(page, '/search?q=secret');
  await expect(page.locator('article', { hasText: 'secret words' })).toHaveCount(0);
  await expect(page.locator(`article[data-post-id="${post.id}"]`)).toHaveCount(0);

  // Her profile says she was erased; the public timeline has nothing of hers.
  const profile = await bob.request.get(`/api/users/${ann.handle}?min_position=${erased}`);
  expect(profile.status()).toBe(404);
  expect((await profile.json()).error).toEqual({ code: 'not_found', message: `@${ann.handle} was erased` });
  await visit(page, `/u/${ann.handle}`);
  await expect(page.getByTestId('erased-profile')).toHaveText('This account was erased.');
  await visit(page, '/');
  await expect(page.locator('article', { hasText: 'secret words' })).toHaveCount(0);
  // (No admin helper exists in these specs, so the admin's view of the log is not checked here.)
});

test('nobody erases someone else', async ({ browser }) => {
  const ann = await person(browser, 'ann');
  const bob = await person(browser, 'bob');
  const send = (handle: string) =>
    bob.request.post('/api/commands', {
      data: { command_id: crypto.randomUUID(), type: 'EraseUser', payload: { handle } },
    });

  const refused = await send(ann.handle);
  expect(refused.status(), await refused.text()).toBe(403);
  const body = await refused.json();
  expect(body.error.code).toBe('forbidden');
  expect(typeof body.error.message).toBe('string');

  // Nobody by that name: refused too, whether as someone else's or as nobody's.
  const nobody = await send('nosuchperson');
  expect([403, 404], await nobody.text()).toContain(nobody.status());

  // Ann is still there, signed in.
  expect((await bob.request.get(`/api/users/${ann.handle}`)).status()).toBe(200);
  expect((await ann.request.get('/api/me')).status()).toBe(200);
});
