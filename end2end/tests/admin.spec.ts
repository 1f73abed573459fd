import { APIRequestContext, expect, test } from '@playwright/test';
import { accessibilityProblems, freshHandle, hydrated, open } from './support';

const password = 'correct horse battery';

async function signUpByApi(request: APIRequestContext, handle: string) {
  const response = await request.post('/api/auth/signup', { data: { handle, password } });
  expect(response.status()).toBe(201);
}

async function command(request: APIRequestContext, type: string, payload: object) {
  const response = await request.post('/api/commands', {
    data: { command_id: crypto.randomUUID(), type, payload },
  });
  expect(response.status(), await response.text()).toBe(200);
  return response.json();
}

test('an admin filters the event history and follows a moderation chain', async ({ browser, page }) => {
  test.setTimeout(90_000);
  // Ann posts; three people report the post; the moderation policy hides it.
  const ann = await browser.newContext();
  await signUpByApi(ann.request, freshHandle('ann'));
  const post = await command(ann.request, 'CreatePost', { text: `Reported ${Date.now()}` });
  for (const name of ['rep1', 'rep2', 'rep3']) {
    const reporter = await browser.newContext();
    await signUpByApi(reporter.request, freshHandle(name));
    await command(reporter.request, 'ReportPost', { post_id: post.id, reason: 'spam' });
  }

  await open(page);
  const form = page.getByRole('form', { name: 'Sign up' });
  await form.getByLabel('Handle').fill('root_admin');
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('link', { name: 'Admin' }).click();
  await hydrated(page);

  const filters = page.getByRole('form', { name: 'Filter events' });
  await filters.getByLabel('Type').fill('PostHidden');
  await filters.getByRole('button', { name: 'Filter' }).click();
  const hidden = page.locator('tr.event-row', { hasText: 'PostHidden' }).first();
  await expect(hidden).toBeVisible();
  await expect(page.locator('tr.event-row', { hasText: 'PostCreated' })).toHaveCount(0);

  // A row opens to its whole envelope.
  await hidden.getByRole('button').first().click();
  await expect(page.locator('tr.envelope pre')).toContainText('"causation_id"');

  await hidden.getByRole('link', { name: 'chain' }).click();
  await expect(page.getByRole('heading', { name: 'Causation chain' })).toBeVisible();
  const tree = page.locator('.tree');
  await expect(tree).toContainText('PostReported');
  await expect(tree).toContainText('policy command');
  await expect(tree).toContainText('system:moderation');
  await expect(tree.locator('.focus')).toContainText('PostHidden');

  await page.getByRole('link', { name: 'Projectors' }).click();
  await expect(page.locator('.projector-table')).toContainText('timeline');
  // The moderation policy that hid the post is listed with its own position and lag.
  await expect(page.locator('.policy-table tbody tr', { hasText: 'moderation' })).toContainText('live');
  await expect(page.locator('.chart svg').first()).toBeVisible();

  // A rebuild runs beside the serving read model; its progress bar fills and finishes.
  await page.locator('.projector-table tr', { hasText: 'timeline' }).getByRole('button', { name: 'Rebuild' }).click();
  await expect(page.getByRole('progressbar', { name: 'Rebuild progress' })).toBeVisible();
  await expect(page.locator('.rebuild-label')).toContainText('Rebuilt generation 2', { timeout: 15_000 });

  // The admin pages, held to an accessibility checker.
  for (const path of ['/admin', '/admin/projections', `/admin/causation/${post.command_id}`, `/admin/streams/post-${post.id}`]) {
    expect(await accessibilityProblems(page, path), path).toEqual([]);
  }
});

test('the admin console answers 403 to anyone else, and shows them no link', async ({ page }) => {
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByText('403 — admins only')).toBeVisible();
  await open(page);
  const form = page.getByRole('form', { name: 'Sign up' });
  await form.getByLabel('Handle').fill(freshHandle('nosy'));
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
});
