import { expect, test, type Page } from '@playwright/test';
import { signInAsAdmin } from './auth';

test('connections: create with a secret that is never shown back, test it, delete it', async ({
  page,
  baseURL,
}) => {
  const secret = 'e2e-bearer-Secret-7f3a9c';
  const trpcBodies: string[] = [];
  page.on('response', async (response) => {
    if (response.url().includes('/api/trpc/')) trpcBodies.push(await response.text().catch(() => ''));
  });

  await signInAsAdmin(page);
  await page.goto('/connections');
  await expect(page.getByRole('heading', { name: 'No connections yet' })).toBeVisible();
  await page.getByRole('link', { name: 'New connection' }).click();

  await expect(page.getByRole('heading', { name: 'New connection' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Connection' });
  await page.getByLabel('Name', { exact: true }).fill('health api');
  await expect(page.getByLabel('Connector', { exact: true })).toHaveValue('REST');
  await page.getByLabel('URL', { exact: true }).fill(`${baseURL}/api/health`);
  await page.getByLabel('Method', { exact: true }).selectOption('GET');
  // Headers and retries are in the folded groups; a group opens on its title.
  await form.getByText('Request', { exact: true }).click();
  await page.getByLabel('Headers', { exact: true }).fill('{ "Accept": ');
  await page.getByRole('button', { name: 'Create connection' }).click();
  // The message is at its field, not at the bottom of the form.
  await expect(page.getByLabel('Headers', { exact: true })).toHaveAccessibleErrorMessage('not valid JSON');
  await page.getByLabel('Headers', { exact: true }).fill('{ "Accept": "application/json" }');
  await form.getByText('Timeouts and retries', { exact: true }).click();
  await page.getByLabel('Retries', { exact: true }).fill('1.5');
  await page.getByRole('button', { name: 'Create connection' }).click();
  await expect(page.getByLabel('Retries', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Retries', { exact: true })).toHaveAccessibleErrorMessage(
    'must be a whole number',
  );
  await expect(page.getByLabel('Headers', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Retries', { exact: true }).fill('');
  await expect(page.getByTestId('secret-state-bearer_token')).toHaveText('not set');
  await page.getByLabel('Bearer token', { exact: true }).fill(secret);
  await page.getByRole('button', { name: 'Create connection' }).click();

  // Saved: the edit page shows the secret as set, with an empty input, and nowhere its value.
  await expect(page).toHaveURL(/\/connections\/health%20api$/);
  await expect(page.getByRole('heading', { name: 'health api' })).toBeVisible();
  await expect(page.getByTestId('secret-state-bearer_token')).toHaveText('set');
  await expect(page.getByTestId('secret-state-password')).toHaveText('not set');
  await expect(page.getByLabel('Bearer token', { exact: true })).toHaveValue('');
  // A group holding a stored value shows it open.
  await expect(page.getByLabel('Headers', { exact: true })).toHaveValue(/"Accept": "application\/json"/);

  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByRole('status')).toHaveText('Connection works');

  // Test tries what the form holds, unsaved, with the stored secret: a wrong URL fails with the reason,
  // and the answer's body (an HTML page) shows as text in its own scrollable box below the title.
  await page.getByLabel('URL', { exact: true }).fill(`${baseURL}/no-such-file.txt`);
  await form.getByRole('button', { name: 'Test connection' }).click();
  const result = form.getByRole('status');
  await expect(result).toContainText(
    /^Failed: GET .*\/no-such-file\.txt answered 404 Not Found, expected 200/,
  );
  const body = result.getByLabel('Answer body');
  await expect(body).toContainText('<!DOCTYPE html><html');
  expect(await body.evaluate((element) => getComputedStyle(element).overflowY)).toBe('auto');
  expect(
    await page.locator('main h1').evaluate((element) => element.getBoundingClientRect().width),
  ).toBeGreaterThan(400);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: 'test-results/connection-test-failed.png', fullPage: true });
  await expect(page.getByTestId('secret-state-bearer_token')).toHaveText('set');

  // Nothing was saved by testing.
  await page.reload();
  await expect(page.getByLabel('URL', { exact: true })).toHaveValue(`${baseURL}/api/health`);

  expect(await page.content()).not.toContain(secret);
  await page.goto('/connections');
  const rows = page.getByTestId('connection-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('health api');
  await expect(rows.first()).toContainText('REST');
  expect(await page.content()).not.toContain(secret);
  expect(trpcBodies.length).toBeGreaterThan(3);
  expect(trpcBodies.join('\n')).not.toContain(secret);

  await page.getByRole('button', { name: 'Delete health api' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete connection?' });
  await dialog.getByRole('button', { name: 'Delete connection' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'No connections yet' })).toBeVisible();
});

/** The PostgreSQL server the tests run on, which the browser tests' app may connect to. */
const postgres = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

async function fillPostgres(page: Page, port: string) {
  await page.getByLabel('Host', { exact: true }).fill(postgres.hostname);
  await page.getByLabel('Port', { exact: true }).fill(port);
  await page.getByLabel('Database', { exact: true }).fill('postgres');
  await page.getByLabel('User', { exact: true }).fill(decodeURIComponent(postgres.username) || 'postgres');
  if (postgres.password)
    await page.getByLabel('Password', { exact: true }).fill(decodeURIComponent(postgres.password));
}

test('connections: Test tries what the form holds, before it is saved, on the new and the edit page', async ({
  page,
}) => {
  const port = postgres.port || '5432';
  await signInAsAdmin(page);
  await page.goto('/connections/new');
  const form = page.getByRole('form', { name: 'Connection' });
  await page.getByLabel('Name', { exact: true }).fill('warehouse');
  await page.getByLabel('Connector', { exact: true }).selectOption('SQLPG');

  // A stored connection holds where and how to connect; each call gives its query.
  await expect(page.getByLabel('Host', { exact: true })).toBeVisible();
  for (const perCall of ['Fetchval', 'Fetchrow', 'Fetch', 'Execute', 'Params']) {
    await expect(page.getByLabel(perCall, { exact: true })).toHaveCount(0);
  }
  await expect(form).toContainText('Given by each call');
  await expect(form).toContainText('fetchval');
  // Hints say what a field means, not its name again.
  await expect(page.getByLabel('SSL', { exact: true })).toHaveAccessibleDescription(/^TLS: disable/);

  // An out-of-range port: the message is at the port field.
  await fillPostgres(page, '70000');
  await page.getByRole('button', { name: 'Create connection' }).click();
  await expect(page.getByLabel('Port', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Port', { exact: true })).toHaveAccessibleErrorMessage(
    'must be at most 65535',
  );
  await expect(page).toHaveURL(/\/connections\/new$/);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: 'test-results/connection-field-error.png', fullPage: true });

  // Before saving: the real server works, a wrong port fails.
  await page.getByLabel('Port', { exact: true }).fill(port);
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByRole('status')).toHaveText('Connection works');
  await page.getByLabel('Port', { exact: true }).fill('5999');
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByRole('status')).toContainText(/^Failed: SQLPG: cannot connect to .*:5999\//);
  await expect(page).toHaveURL(/\/connections\/new$/);

  await page.getByLabel('Port', { exact: true }).fill(port);
  await page.getByRole('button', { name: 'Create connection' }).click();
  await expect(page).toHaveURL(/\/connections\/warehouse$/);
  await expect(page.getByLabel('Port', { exact: true })).toHaveValue(port);

  // On the edit page: the port changed and not saved is what Test tries.
  await page.getByLabel('Port', { exact: true }).fill('5999');
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByRole('status')).toContainText(/^Failed: SQLPG: cannot connect to .*:5999\//);
  await page.getByLabel('Port', { exact: true }).fill(port);
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByRole('status')).toHaveText('Connection works');

  // The list's Test tries the saved connection.
  await page.goto('/connections');
  await page.getByRole('button', { name: 'Test connection warehouse' }).click();
  await expect(page.getByRole('status')).toHaveText('Connection works');
});
