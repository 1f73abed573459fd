import { expect, Page, test } from '@playwright/test';
import { hydrated, newPerson, open, visit } from './support';

function balance(page: Page) {
  return page.locator('.balance-card .balance .coins');
}

/** Tops up on /wallet and waits until the balance shows `expected`. */
async function topUp(page: Page, amount: number, expected: number) {
  await visit(page, '/wallet');
  const form = page.getByRole('form', { name: 'Top up' });
  await form.getByLabel('Top-up amount').fill(String(amount));
  await form.getByRole('button', { name: 'Top up' }).click();
  await expect(form.getByRole('status')).toHaveText(`Topped up ${amount} coins.`);
  await expect(balance(page)).toHaveText(String(expected));
}

/** Posts from the public page (where sign-up leaves a person) and waits until it is confirmed. */
async function post(page: Page, text: string) {
  await open(page);
  await page.getByLabel('Post text').fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const card = page.locator('article', { hasText: text });
  await expect(card).not.toHaveAttribute('aria-busy', 'true');
  return card;
}

test('a tip from a post card moves coins from one wallet to another', async ({ browser }) => {
  test.setTimeout(60_000);
  const ann = await newPerson(browser, 'ann', 'Ann');
  const bob = await newPerson(browser, 'bob', 'Bob');
  await topUp(ann.page, 100, 100);

  const text = `tip me ${Date.now()}`;
  const own = await post(bob.page, text);
  // Nobody tips their own post.
  await expect(own.getByRole('button', { name: 'Tip', exact: true })).toHaveCount(0);

  await open(ann.page);
  const card = ann.page.locator('article', { hasText: text });
  await card.getByRole('button', { name: 'Tip', exact: true }).click();
  await expect(card.getByLabel('Tip amount')).toHaveValue('10');
  await card.getByRole('button', { name: 'Send', exact: true }).click();
  // Accepted at once, settled by the transfer process a moment later.
  await expect(card.locator('.tip-status')).toHaveText('Tip of 10 pending…');
  await expect(card.locator('.tip-status')).toHaveText('Tipped 10', { timeout: 15_000 });

  await visit(ann.page, '/wallet');
  await expect(balance(ann.page)).toHaveText('90');
  await expect(ann.page.locator('.movement', { hasText: `Sent 10 to @${bob.handle}` })).toBeVisible();

  await visit(bob.page, '/wallet');
  await expect(balance(bob.page)).toHaveText('10');
  await expect(bob.page.locator('.movement', { hasText: `Received 10 from @${ann.handle}` })).toBeVisible();
});

test('a tip bigger than the balance is rolled back with the reason', async ({ browser }) => {
  test.setTimeout(60_000);
  const cat = await newPerson(browser, 'cat', 'Cat');
  const dan = await newPerson(browser, 'dan', 'Dan');
  await topUp(cat.page, 5, 5);
  const text = `too much ${Date.now()}`;
  await post(dan.page, text);

  await open(cat.page);
  const card = cat.page.locator('article', { hasText: text });
  await card.getByRole('button', { name: 'Tip', exact: true }).click();
  await card.getByLabel('Tip amount').fill('50');
  await card.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(card.locator('.tip-status')).toHaveText('Tip of 50 pending…');
  await expect(card.getByRole('alert')).toHaveText('Tip rolled back: can not overdraw account', { timeout: 15_000 });
  await expect(card.locator('.tip-status')).toHaveText('');

  await visit(cat.page, '/wallet');
  await expect(balance(cat.page)).toHaveText('5');
  await expect(cat.page.locator('.movement', { hasText: 'Sent' })).toHaveCount(0);
});

test('a transfer from the wallet page, and why each balance is what it is', async ({ browser }) => {
  test.setTimeout(60_000);
  const eve = await newPerson(browser, 'eve', 'Eve');
  const fay = await newPerson(browser, 'fay', 'Fay');
  await topUp(eve.page, 20, 20);

  // A refused command says why, in the form.
  const send = eve.page.getByRole('form', { name: 'Send coins' });
  await send.getByLabel('To (handle)').fill(eve.handle);
  await send.getByLabel('Amount to send').fill('5');
  await send.getByRole('button', { name: 'Send' }).click();
  await expect(send.getByRole('alert')).toHaveText('you can not send coins to yourself');
  // Refused: nothing left the account.
  await expect(balance(eve.page)).toHaveText('20');

  // The recipient keeps her wallet open: the coins arrive there live, without a reload.
  await visit(fay.page, '/wallet');
  await expect(fay.page.locator('.connection')).toHaveText('live');
  await expect(balance(fay.page)).toHaveText('0');

  // Listed at once as pending, then completed.
  await send.getByLabel('To (handle)').fill(fay.handle);
  await send.getByLabel('Amount to send').fill('5');
  await send.getByLabel('Memo (optional)').fill('for lunch');
  await send.getByRole('button', { name: 'Send' }).click();
  const transfer = eve.page.locator('.transfer', { hasText: `5 to @${fay.handle}` });
  await expect(transfer).toBeVisible();
  await expect(transfer).toHaveAttribute('data-status', 'completed', { timeout: 15_000 });
  await expect(transfer).toContainText('for lunch');
  await expect(send.getByRole('status')).toHaveText(`Sent 5 to @${fay.handle}.`);
  await expect(balance(eve.page)).toHaveText('15');

  // The sender's movement, explained back to her own command.
  const sent = eve.page.locator('.movements .movement', { hasText: `Sent 5 to @${fay.handle}` });
  await sent.getByRole('link', { name: /^why #/ }).click();
  await expect(eve.page).toHaveURL(/\/wallet\/why\?at=\d+$/);
  await hydrated(eve.page);
  await expect(eve.page.locator('.why-balance .coins')).toHaveText('15');
  const out = eve.page.locator('.explained-movement[data-kind="transfer_out"]');
  await expect(out).toContainText(`transfer_out of 5 to ${fay.handle}`);
  await expect(out).toContainText(`TransferMoney by ${eve.handle}`);
  await expect(eve.page.locator('.explained-movement[data-kind="deposit"]')).toContainText(`DepositMoney by ${eve.handle}`);

  // The recipient's movement, explained through the transfer process back to the sender.
  await expect(balance(fay.page)).toHaveText('5', { timeout: 10_000 });
  const received = fay.page.locator('.movements .movement', { hasText: `Received 5 from @${eve.handle}` });
  const why = await received.getByRole('link', { name: /^why #/ }).getAttribute('href');
  await visit(fay.page, why!);
  const into = fay.page.locator('.explained-movement[data-kind="transfer_in"]');
  await expect(into).toContainText(`transfer_in of 5 from ${eve.handle}`);
  await expect(into).toContainText('caused by');
  await expect(into).toContainText(`TransferMoney by ${eve.handle}`);

  // This year's statement lists the movement, with its checksum and the CSV link.
  const year = new Date().getUTCFullYear();
  await visit(eve.page, '/wallet');
  await eve.page.getByRole('link', { name: String(year), exact: true }).click();
  await expect(eve.page).toHaveURL(new RegExp(`/wallet/statements/${year}$`));
  await expect(eve.page.getByRole('link', { name: 'Download CSV' })).toHaveAttribute(
    'href', `/api/wallet/statements/${year}?format=csv`);
  // Statements are a read model of their own and may be a moment behind: read the page again.
  await expect(async () => {
    await visit(eve.page, `/wallet/statements/${year}`);
    await expect(eve.page.locator('.statement-movements')).toContainText(`Sent 5 to @${fay.handle}`, { timeout: 1_000 });
  }).toPass({ timeout: 10_000 });
  await expect(eve.page.locator('.checksum')).not.toBeEmpty();
  await expect(eve.page.locator('.totals')).toContainText('Closing balance');
});

test('signed out, the wallet asks to sign in', async ({ page }) => {
  await visit(page, '/wallet');
  await expect(page.locator('main.wallet')).toContainText('Sign in to use your wallet.');
  await expect(page.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/');
});
