import { expect, test } from '@playwright/test';
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
  await page.getByLabel('Headers', { exact: true }).fill('{ "Accept": ');
  await page.getByRole('button', { name: 'Create connection' }).click();
  await expect(form.getByRole('alert')).toHaveText('headers: not valid JSON');
  await page.getByLabel('Headers', { exact: true }).fill('{ "Accept": "application/json" }');
  await page.getByLabel('Retries', { exact: true }).fill('1.5');
  await page.getByRole('button', { name: 'Create connection' }).click();
  await expect(form.getByRole('alert')).toContainText(/^retries: /);
  await expect(page.getByLabel('Retries', { exact: true })).toHaveAttribute('aria-invalid', 'true');
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
  await expect(page.getByLabel('Headers', { exact: true })).toHaveValue(/"Accept": "application\/json"/);

  await page.getByRole('button', { name: 'Test connection health api' }).click();
  await expect(page.getByRole('status')).toHaveText('Connection works');

  // A change without retyping the secret keeps it; a wrong status makes the test fail with the reason.
  await page.getByLabel('Path', { exact: true }).fill('/no-such-endpoint');
  // Test tries what is saved: wait for the save to be answered before testing.
  const saved = page.waitForResponse((response) => response.url().includes('/api/trpc/connections.update'));
  await page.getByRole('button', { name: 'Save' }).click();
  expect((await saved).ok()).toBe(true);
  await expect(page.getByLabel('Path', { exact: true })).toHaveValue('/no-such-endpoint');
  await expect(page.getByTestId('secret-state-bearer_token')).toHaveText('set');
  await page.getByRole('button', { name: 'Test connection health api' }).click();
  await expect(page.getByRole('status')).toContainText(
    /^Failed: GET .*\/api\/health\/no-such-endpoint answered \d{3}/,
  );

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
