import { expect, test, type APIRequestContext } from '@playwright/test';
import { apiAsAdmin, signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

/**
 * An execution's page (docs/pages.md): Run again and Edit input and run, the exact version it ran,
 * read-only, with the flow's other versions, and a cancel confirmation that says what each button does.
 */
let api: APIRequestContext;

const echo = (version: number) => `export default async function handler(this: Execution) {
  this.save({ output: { echoed: this.input, version: ${version} } });
  return this.success('echoed');
}`;
const NAP = `export default async function handler(this: Execution) {
  await this.sleep(600);
  return this.success('woke');
}`;

test.beforeAll(async ({ browser, baseURL }) => {
  api = await apiAsAdmin(browser, baseURL!, 'run again e2e');
  expect((await api.post('/api/latest/flow', { data: { name: 'echo', code: echo(1) } })).status()).toBe(201);
  expect((await api.patch('/api/latest/flow/echo', { data: { code: echo(2) } })).ok()).toBe(true);
  expect((await api.post('/api/latest/flow', { data: { name: 'nap', code: NAP } })).status()).toBe(201);
});

test.afterAll(async () => {
  await api?.dispose();
});

test('Run again and Edit input and run start the flow again from an execution, Ctrl+Enter runs', async ({
  page,
}) => {
  const started = await api.post('/api/latest/execution', {
    data: { flow: 'echo', input_value: { n: 1 }, is_productive: false, wait: 60 },
  });
  expect(started.status()).toBe(200);
  const { id } = (await started.json()) as { id: string };
  // A newer version is saved after the run: the execution's page must still show the one it ran.
  expect((await api.patch('/api/latest/flow/echo', { data: { code: echo(3) } })).ok()).toBe(true);

  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAsAdmin(page);
  await page.goto(`/executions/${id}`);
  await expect(page.getByTestId('execution-status')).toHaveText('Succeeded');
  await page.screenshot({ path: 'tmp/execution-run-again.png' });

  // The exact version it ran, read-only, with the list of versions.
  await page.getByRole('link', { name: 'v2', exact: true }).click();
  await expect(page).toHaveURL(/\/flows\/echo\/versions\/2$/);
  await expect(page.getByRole('heading', { name: 'echo · version 2' })).toBeVisible();
  await expect(page.getByTestId('version-note')).toContainText('The latest version is 3');
  const entries = page.getByTestId('version-entry');
  await expect(entries).toHaveCount(3);
  await expect(page.locator('[data-testid="version-entry"][aria-current="page"]')).toContainText('v2');
  await expect(page.getByTestId('version-view')).toContainText('version: 2');
  await page.screenshot({ path: 'tmp/flow-version.png' });
  await entries.filter({ hasText: 'v1' }).click();
  await expect(page).toHaveURL(/\/flows\/echo\/versions\/1$/);
  await expect(page.getByTestId('version-view')).toContainText('version: 1');
  await page.goBack();
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`/executions/${id}$`));

  // Run again: the same input, the same mode (dev), the flow's latest version.
  await page.getByRole('button', { name: 'Run again' }).click();
  await expect(page).not.toHaveURL(new RegExp(`/executions/${id}$`));
  await expect(page).toHaveURL(/\/executions\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('execution-status')).toHaveText('Succeeded');
  await expect(page.getByLabel('Input value')).toContainText('"n": 1');
  await expect(page.getByLabel('Output value')).toContainText('"version": 3');
  await expect(page.getByText('Dev mode', { exact: true }).first()).toBeVisible();
  const again = page.url();

  // Edit input and run: the Run dialog, filled with this input; Ctrl+Enter runs it.
  await page.getByRole('button', { name: 'Edit input and run' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { name: 'Run echo in dev mode' })).toBeVisible();
  const input = dialog.getByLabel('Input (JSON)');
  await expect(input).toHaveValue(/"n": 1/);
  await input.fill('{"n": 5}');
  await page.screenshot({ path: 'tmp/edit-input-and-run.png' });
  await input.press('ControlOrMeta+Enter');
  await expect(page).not.toHaveURL(again);
  await expect(page.getByTestId('execution-status')).toHaveText('Succeeded');
  await expect(page.getByLabel('Input value')).toContainText('"n": 5');
  await expect(page.getByText('Dev mode', { exact: true }).first()).toBeVisible();

  // The editor's Runs menu leads to the flow's runs, the flow named in the address.
  await page.goto('/flows/echo');
  await page.getByTestId('recent-runs').getByText('Runs', { exact: true }).click();
  await page.getByRole('link', { name: 'All runs of this flow' }).click();
  await expect(page).toHaveURL(/\/executions\?flow=echo$/);
  await expect(page.getByTestId('execution-row')).toHaveCount(3);
});

test('the cancel confirmation offers Keep running beside Cancel execution', async ({ page }) => {
  const started = await api.post('/api/latest/execution', { data: { flow: 'nap', wait: 0 } });
  expect(started.status()).toBe(202);
  const { id } = (await started.json()) as { id: string };
  await signInAsAdmin(page);
  await page.goto(`/executions/${id}`);
  await expect(page.getByTestId('execution-status')).toHaveText(/Queued|Running|Waiting/);

  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('button', { name: 'Keep running' })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel', exact: true })).toHaveCount(0);
  await expect(dialog).toContainText('end as Cancelled');
  await page.screenshot({ path: 'tmp/cancel-confirmation.png' });
  await dialog.getByRole('button', { name: 'Keep running' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('execution-status')).not.toHaveText('Cancelled');

  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await dialog.getByRole('button', { name: 'Cancel execution' }).click();
  await expect(page.getByTestId('execution-status')).toHaveText('Cancelled');
});
