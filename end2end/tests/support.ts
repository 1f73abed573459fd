import { expect, Page } from '@playwright/test';

/** Waits until the page has hydrated (clicks before that do nothing). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

/** Opens the public page and waits until the app has hydrated. */
export async function open(page: Page) {
  await page.goto('/');
  await hydrated(page);
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
