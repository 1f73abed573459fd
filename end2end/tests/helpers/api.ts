import { APIRequestContext, Browser, expect } from '@playwright/test';
import { freshHandle } from '../support';

export const password = 'correct horse battery';

/** A command's answer, as far as the tests read it. */
export interface Answer {
  id?: string;
  position: number;
}

/** A new person in a browser context of their own, signed up through the API of `base` (the
 * config's server when omitted); the context's pages share the session cookie. */
export async function person(browser: Browser, prefix: string, base = '') {
  const context = await browser.newContext();
  const handle = freshHandle(prefix);
  const response = await context.request.post(`${base}/api/auth/signup`, { data: { handle, password } });
  expect(response.status(), await response.text()).toBe(201);
  return { context, handle, request: context.request };
}

/** Sends a command straight to the server (no browser involved) and expects it accepted. */
export async function command(
  request: APIRequestContext,
  type: string,
  payload: object,
  base = '',
): Promise<Answer> {
  const response = await request.post(`${base}/api/commands`, {
    data: { command_id: crypto.randomUUID(), type, payload },
  });
  expect(response.status(), await response.text()).toBe(200);
  return response.json();
}

export { visit } from '../support';
