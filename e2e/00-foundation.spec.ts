import { expect, test, type Page } from '@playwright/test';
import { admin } from './auth';

// One story on the fresh, empty database, in order: set-up first, then everything a user does. This
// file's name makes it the first to run, while no user exists yet.
test.describe.configure({ mode: 'serial' });

async function signIn(page: Page, password = admin.password) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('an unauthenticated page request is redirected to sign-in', async ({ page }) => {
  await page.goto('/flows');
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fflows$/);
});

test('an unauthenticated tRPC call answers 401 JSON', async ({ request }) => {
  const response = await request.get('/api/trpc/flows.list');
  expect(response.status()).toBe(401);
  expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
});

test('a fresh installation offers to create the first administrator', async ({ page }) => {
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Set up Flowline' })).toBeVisible();
  await page.getByLabel('Your name').fill(admin.name);
  await page.getByLabel('Email').fill(admin.email);
  // A short password typed differently twice: both problems are reported at once.
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Repeat password').fill('shorter');
  await page.getByRole('button', { name: 'Create administrator' }).click();
  const problems = page.getByRole('alert').getByRole('listitem');
  await expect(problems).toHaveText([
    'password: at least 8 characters',
    'repeat password: the two passwords differ',
  ]);

  // Created, the administrator is signed in without typing the password again.
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByLabel('Repeat password').fill(admin.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page).toHaveURL(/\/flows$/);
  await expect(page.getByTestId('signed-in-user')).toContainText(admin.email);

  await page.context().clearCookies();
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  await signIn(page, 'not the password');
  await expect(page.locator('p[role="alert"]')).toHaveText('Wrong email or password.');
  await expect(page).toHaveURL(/\/signin/);
});

test('signing in opens the flows page with the user shown', async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/flows$/);
  await expect(page.getByTestId('signed-in-user')).toContainText(admin.email);
  await expect(page.getByRole('heading', { name: 'No flows yet' })).toBeVisible();
  await expect(page.getByText('A flow is a piece of automation')).toBeVisible();
});

test('flows: create, refuse an invalid and a duplicate name, rename, open, delete', async ({ page }) => {
  await signIn(page);
  await page.getByRole('button', { name: 'New flow' }).click();
  const dialog = page.getByRole('dialog', { name: 'New flow' });
  await dialog.getByLabel('Name').fill('nightly/report');
  await dialog.getByRole('button', { name: 'Create flow' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(
    'A flow name may only contain letters, digits, spaces and the characters - _ .',
  );
  await dialog.getByLabel('Name').fill('nightly report');
  await dialog.getByRole('button', { name: 'Create flow' }).click();
  // Creating opens the new flow's editor.
  await expect(page).toHaveURL(/\/flows\/nightly%20report$/);
  await expect(page.getByRole('heading', { name: 'nightly report' })).toBeVisible();
  await page.getByRole('link', { name: 'Flows' }).first().click();
  const rows = page.getByTestId('flow-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('nightly report');
  await expect(rows.first()).toContainText('just now');
  // A flow's name in the list looks like a link, not like the text around it.
  const nameColor = await rows
    .first()
    .getByRole('link', { name: 'nightly report' })
    .evaluate((link) => [getComputedStyle(link).color, getComputedStyle(document.body).color]);
  expect(nameColor[0]).not.toBe(nameColor[1]);

  await page.getByRole('button', { name: 'New flow' }).click();
  await dialog.getByLabel('Name').fill('nightly report');
  await dialog.getByRole('button', { name: 'Create flow' }).click();
  await expect(dialog.getByRole('alert')).toHaveText("a flow named 'nightly report' already exists");
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Rename nightly report' }).click();
  const renameDialog = page.getByRole('dialog', { name: 'Rename flow' });
  await expect(renameDialog.getByLabel('Name')).toHaveValue('nightly report');
  await renameDialog.getByLabel('Name').fill('nightly-report.v2');
  await renameDialog.getByRole('button', { name: 'Rename' }).click();
  await expect(renameDialog).toBeHidden();
  await expect(rows.first()).toContainText('nightly-report.v2');

  await page.getByRole('link', { name: 'nightly-report.v2' }).click();
  await expect(page.getByRole('heading', { name: 'nightly-report.v2' })).toBeVisible();
  await expect(page.getByLabel('Flow code')).toContainText("this.success('done')");
  await page.getByRole('link', { name: 'Flows' }).first().click();

  await page.getByRole('button', { name: 'Delete nightly-report.v2' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete flow?' });
  await expect(confirm).toContainText('cannot be undone');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(rows).toHaveCount(1);
  await page.getByRole('button', { name: 'Delete nightly-report.v2' }).click();
  await confirm.getByRole('button', { name: 'Delete flow' }).click();
  await expect(page.getByRole('heading', { name: 'No flows yet' })).toBeVisible();
});

test('API tokens: created and shown once, listed without the secret, let a REST call past the proxy, revoked', async ({
  page,
  request,
}) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'API tokens', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'New token' }).click();
  const dialog = page.getByRole('dialog', { name: 'New API token' });
  await dialog.getByLabel('Name').fill('deploy pipeline');
  await dialog.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByTestId('new-token');
  await expect(shown).toHaveText(/^flt_[A-Za-z0-9_-]{43}$/);
  const token = (await shown.textContent()) ?? '';
  await expect(page.getByRole('dialog', { name: 'Copy your new token' })).toContainText(
    'only time the token is shown',
  );
  await page.getByRole('button', { name: 'Done' }).click();

  const row = page.getByTestId('token-row').filter({ hasText: 'deploy pipeline' });
  await expect(row).toContainText(token.slice(0, 10));
  await expect(row).toContainText('Never');
  await expect(page.locator('body')).not.toContainText(token);
  await page.reload();
  await expect(page.getByTestId('token-row')).toHaveCount(1);
  await expect(page.locator('body')).not.toContainText(token);

  // The REST API (issue 4) is not here yet: the proxy lets a bearer request through to it.
  const withToken = await request.get('/api/latest/anything', {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(withToken.status()).not.toBe(401);
  const withoutToken = await request.get('/api/latest/anything');
  expect(withoutToken.status()).toBe(401);

  await row.getByRole('button', { name: 'Revoke deploy pipeline' }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke token?' });
  await confirm.getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByRole('heading', { name: 'No API tokens' })).toBeVisible();
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/flows$/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fsettings$/);
  const response = await page.request.get('/api/trpc/flows.list');
  expect(response.status()).toBe(401);
});

test('repeated failed sign-ins are rate limited with a clear message', async ({ page }) => {
  await page.goto('/signin');
  const alert = page.locator('p[role="alert"]');
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.getByLabel('Email').fill('mallory@example.com');
    await page.getByLabel('Password').fill(`guess ${attempt}`);
    const answered = page.waitForResponse((response) =>
      response.url().includes('/api/auth/callback/credentials'),
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    await answered;
    await expect(alert).toHaveText('Wrong email or password.');
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(alert).toHaveText(/^Too many failed sign-ins; try again in \d+ seconds?\.$/);
});
