import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { apiAsAdmin, signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

/**
 * The Executions list (docs/pages.md): top-level runs with their children expandable in place, a Show
 * filter for every execution, statuses and types in words, the flow filter by name, Clear filters.
 */
let api: APIRequestContext;
let parentId = '';

const CHILD = `export default async function handler(this: Execution) {
  return this.success('child done');
}`;
// A fan-out of three: four executions, one of them top-level.
const PARENT = `export default async function handler(this: Execution) {
  for (let i = 0; i < 3; i++) await this.flow('fan-child');
  return this.success('parent done');
}`;

test.beforeAll(async ({ browser, baseURL }) => {
  api = await apiAsAdmin(browser, baseURL!, 'executions list e2e');
  for (const [name, code] of [
    ['fan-child', CHILD],
    ['fan-parent', PARENT],
  ]) {
    expect((await api.post('/api/latest/flow', { data: { name, code } })).status()).toBe(201);
  }
  const started = await api.post('/api/latest/execution', { data: { flow: 'fan-parent', wait: 60 } });
  expect(started.status()).toBe(200);
  parentId = ((await started.json()) as { id: string }).id;
});

test.afterAll(async () => {
  await api?.dispose();
});

const rowsNamed = (page: Page, name: string) =>
  page.getByTestId('execution-row').filter({ has: page.getByRole('link', { name, exact: true }) });

test("the list shows top-level runs; a fan-out's children expand in place, and Show lists them all", async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAsAdmin(page);
  await page.goto('/executions');
  const parent = page
    .getByTestId('execution-row')
    .filter({ has: page.locator(`a[href="/executions/${parentId}"]`) });
  await expect(parent).toBeVisible();
  await expect(parent).toContainText('3 children');
  await expect(rowsNamed(page, 'fan-child')).toHaveCount(0);

  const expand = parent.getByRole('button', { name: 'Show the children of fan-parent' });
  await expect(expand).toHaveAttribute('aria-expanded', 'false');
  await expand.click();
  const children = rowsNamed(page, 'fan-child');
  await expect(children).toHaveCount(3);
  for (const child of await children.all()) {
    await expect(child).toHaveAttribute('data-depth', '1');
    await expect(child).toContainText('Succeeded');
  }
  await page.screenshot({ path: 'tmp/executions-expanded.png' });
  await parent.getByRole('button', { name: 'Hide the children of fan-parent' }).click();
  await expect(children).toHaveCount(0);

  await page.getByLabel('Show', { exact: true }).selectOption({ label: 'All executions' });
  await expect(page).toHaveURL(/show=all/);
  await expect(children).toHaveCount(3);
  await expect(children.first()).toHaveAttribute('data-depth', '0');
  await expect(page.getByRole('button', { name: /^Show the children of/ })).toHaveCount(0);
  await page.reload();
  await expect(rowsNamed(page, 'fan-child')).toHaveCount(3);
});

test('statuses and types read as words, the flow filter names the flow, and no match offers Clear filters', async ({
  page,
}) => {
  await signInAsAdmin(page);
  await page.goto('/executions');
  const parent = rowsNamed(page, 'fan-parent');
  await expect(parent).toHaveCount(1);
  await expect(parent.locator('[data-status]')).toHaveText('Succeeded');
  await expect(parent).toContainText('Flow');
  await expect(page.getByText('ENDED_SUCCESS')).toHaveCount(0);
  const status = page.getByLabel('Status', { exact: true });
  for (const label of ['Succeeded', 'Failed', 'Cancelled', 'Running', 'Waiting'])
    await expect(status.getByRole('option', { name: label, exact: true })).toHaveCount(1);
  await expect(status.getByRole('option', { name: /ENDED_|RUNNING|WAITING/ })).toHaveCount(0);
  await expect(page.getByLabel('Mode', { exact: true })).toHaveAttribute('title', /Dev mode is a trial run/);

  await page.getByLabel('Flow', { exact: true }).selectOption({ label: 'fan-parent' });
  await expect(page).toHaveURL(/\?flow=fan-parent$/);
  await expect(page.getByTestId('execution-row')).toHaveCount(1);
  await page.reload();
  await expect(page.getByLabel('Flow', { exact: true })).toHaveValue('fan-parent');
  await expect(page.getByTestId('execution-row')).toHaveCount(1);

  await status.selectOption({ label: 'Failed' });
  await expect(page).toHaveURL(/status=ENDED_ERROR/);
  await expect(page.getByRole('heading', { name: 'No executions match these filters' })).toBeVisible();
  await page.screenshot({ path: 'tmp/executions-no-match.png' });
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/executions$/);
  await expect(page.getByLabel('Flow', { exact: true })).toHaveValue('');
  await expect(rowsNamed(page, 'fan-parent')).toHaveCount(1);

  await page.goto('/executions?flow=no-such-flow');
  await expect(page.getByRole('heading', { name: 'No flow is named no-such-flow' })).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/executions$/);
  await expect(rowsNamed(page, 'fan-parent')).toHaveCount(1);
});
