import { expect, test, type Browser, type Page } from '@playwright/test';
import { signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

const grace = { email: 'grace@example.com', name: 'Grace Hopper', password: 'grace own password' };

async function signInAs(page: Page, email: string, password: string) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function asAdmin(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await signInAsAdmin(page);
  await page.goto('/settings');
  return page;
}

/** Reads the temporary password from the dialog that shows it once, and closes it. */
async function takeTemporaryPassword(page: Page): Promise<string> {
  const shown = page.getByTestId('temporary-password');
  await expect(shown).toHaveText(/^[A-Za-z0-9_-]{16}$/);
  const password = (await shown.textContent()) ?? '';
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.locator('body')).not.toContainText(password);
  return password;
}

test('an administrator invites a user, who signs in with the temporary password and chooses their own', async ({
  browser,
}) => {
  const admin = await asAdmin(browser);
  const users = admin.getByRole('region', { name: 'Users' });
  await users.getByRole('button', { name: 'Invite user' }).click();
  const dialog = admin.getByRole('dialog', { name: 'Invite user' });
  await dialog.getByLabel('Email').fill('not an email');
  await dialog.getByRole('button', { name: 'Invite' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('email: enter an email address such as ada@example.com');
  await dialog.getByLabel('Email').fill(grace.email);
  await dialog.getByLabel('Name').fill(grace.name);
  await dialog.getByRole('button', { name: 'Invite' }).click();
  const temporary = await takeTemporaryPassword(admin);
  await expect(users.getByTestId('user-row').filter({ hasText: grace.email })).toContainText('Active');
  await admin.screenshot({ path: 'tmp/settings-admin.png', fullPage: true });

  const page = await browser.newPage();
  await signInAs(page, grace.email, temporary);
  await expect(page.getByRole('heading', { name: 'Choose your password' })).toBeVisible();
  // Every problem of the form at once.
  await page.getByLabel('Current password').fill(temporary);
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByLabel('Repeat new password').fill('shorter');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('form', { name: 'Change password' }).getByRole('alert')).toHaveText(
    'new password: at least 8 characters; repeat new password: the two new passwords differ',
  );
  await page.getByLabel('New password', { exact: true }).fill(grace.password);
  await page.getByLabel('Repeat new password').fill(grace.password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('heading', { name: 'Flows', exact: true })).toBeVisible();

  // A user who is not an administrator sees their password and tokens, not the users.
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Users' })).toHaveCount(0);
  await page.close();
  await admin.close();
});

test('changing one’s own password needs the current one, and signs out every other session', async ({
  page,
  browser,
}) => {
  const elsewhere = await browser.newPage();
  await signInAs(elsewhere, grace.email, grace.password);
  await expect(elsewhere).toHaveURL(/\/flows$/);
  await signInAs(page, grace.email, grace.password);
  await expect(page).toHaveURL(/\/flows$/);
  await page.goto('/settings');
  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('Current password').fill('not my password');
  await form.getByLabel('New password', { exact: true }).fill('grace newer password');
  await form.getByLabel('Repeat new password').fill('grace newer password');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('alert')).toHaveText('current password: this is not your current password');
  await form.getByLabel('Current password').fill(grace.password);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('status')).toContainText('Password changed');
  grace.password = 'grace newer password';
  // This browser stays signed in (with a new session); the other one is signed out.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Settings', exact: true })).toBeVisible();
  await elsewhere.reload();
  await expect(elsewhere).toHaveURL(/\/signin/);
  await elsewhere.close();
});

test('a deactivated user is signed out and cannot sign in; reset and reactivated, they can again', async ({
  browser,
}) => {
  const page = await browser.newPage();
  await signInAs(page, grace.email, grace.password);
  await expect(page).toHaveURL(/\/flows$/);

  const admin = await asAdmin(browser);
  const row = admin.getByTestId('user-row').filter({ hasText: grace.email });
  await row.getByRole('button', { name: `Deactivate ${grace.email}` }).click();
  const confirm = admin.getByRole('dialog', { name: 'Deactivate user?' });
  await expect(confirm).toContainText('API tokens stop working');
  await confirm.getByRole('button', { name: 'Deactivate' }).click();
  await expect(row).toContainText('Deactivated');

  await page.reload();
  await expect(page).toHaveURL(/\/signin/);
  await signInAs(page, grace.email, grace.password);
  await expect(page.locator('p[role="alert"]')).toHaveText(
    'This account has been deactivated; ask an administrator.',
  );

  await row.getByRole('button', { name: `Reset password of ${grace.email}` }).click();
  await admin
    .getByRole('dialog', { name: 'Reset password?' })
    .getByRole('button', { name: 'Reset password' })
    .click();
  const temporary = await takeTemporaryPassword(admin);
  await row.getByRole('button', { name: `Reactivate ${grace.email}` }).click();
  await expect(row).toContainText('Active');
  // Reactivated, the session from before is still over.
  await page.goto('/flows');
  await expect(page).toHaveURL(/\/signin/);

  await signInAs(page, grace.email, grace.password);
  await expect(page.locator('p[role="alert"]')).toHaveText('Wrong email or password.');
  await signInAs(page, grace.email, temporary);
  await expect(page.getByRole('heading', { name: 'Choose your password' })).toBeVisible();
  await page.close();
  await admin.close();
});

test('an API token with an expiry shows it, and works until then', async ({ page, request }) => {
  await signInAsAdmin(page);
  await page.goto('/settings');
  await page.getByRole('button', { name: 'New token' }).click();
  const dialog = page.getByRole('dialog', { name: 'New API token' });
  await dialog.getByLabel('Name').fill('for a month');
  await dialog.getByLabel('Expires').selectOption({ label: '30 days' });
  await dialog.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent()) ?? '';
  await page.getByRole('button', { name: 'Done' }).click();
  const row = page.getByTestId('token-row').filter({ hasText: 'for a month' });
  const inAMonth = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);
  await expect(row).toContainText(String(inAMonth.getFullYear()));
  await expect(row).not.toContainText('Expired');
  const answer = await request.get('/api/latest/flow', { headers: { authorization: `Bearer ${token}` } });
  expect(answer.status()).toBe(200);
  await page.screenshot({ path: 'tmp/settings-tokens.png', fullPage: true });
});
