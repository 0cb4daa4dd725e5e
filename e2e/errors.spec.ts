import { expect, test, type APIRequestContext } from '@playwright/test';
import { apiAsAdmin, signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

let api: APIRequestContext;

const flows: Record<string, string> = {
  'billing-sync': `export default async function handler(this: Execution) {
  return this.success('synced');
}`,
  'misspelt-call': `export default async function handler(this: Execution) {
  await this.flow('biling-sync');
  return this.success('not reached');
}`,
  'long-error': `export default async function handler(this: Execution) {
  throw new Error('no-such-key:' + 'abcdefghij'.repeat(60));
}`,
};

test.beforeAll(async ({ browser, baseURL }) => {
  api = await apiAsAdmin(browser, baseURL!, 'errors e2e');
  for (const [name, code] of Object.entries(flows)) {
    expect((await api.post('/api/latest/flow', { data: { name, code } })).status()).toBe(201);
  }
  const connection = {
    name: 'my-database',
    connector_type: 'REST',
    config: { url: `${baseURL}/api/health` },
  };
  expect((await api.post('/api/latest/connection', { data: connection })).status()).toBe(201);
});

test.afterAll(async () => {
  await api?.dispose();
});

async function run(flow: string): Promise<string> {
  const started = await api.post('/api/latest/execution', { data: { flow, wait: 0 } });
  expect(started.status()).toBe(202);
  return ((await started.json()) as { id: string }).id;
}

test('a misspelt flow name is answered with the name it likely meant', async ({ page }) => {
  const id = await run('misspelt-call');
  await signInAsAdmin(page);
  await page.goto(`/executions/${id}`);
  await expect(page.getByRole('alert', { name: 'Error' })).toContainText(
    "ResourceNotFoundError: flow 'biling-sync' does not exist; did you mean 'billing-sync'?",
  );
});

test('a long error line wraps inside its box instead of being cut at the edge', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const id = await run('long-error');
  await signInAsAdmin(page);
  await page.goto(`/executions/${id}`);
  const box = page.getByRole('alert', { name: 'Error' });
  await expect(box).toContainText('no-such-key:abcdefghij');
  // Every line of the error is inside the box: nothing hidden past its right edge.
  const overflowing = await box.evaluate((element) =>
    [element, ...element.querySelectorAll('*')]
      .filter((inner) => inner.scrollWidth > inner.clientWidth + 1 && inner.clientWidth > 0)
      .map((inner) => inner.className),
  );
  expect(overflowing).toEqual([]);
  await page.screenshot({ path: 'tmp/long-error.png' });
});

test('the code editor marks a misspelt connection name, and a save says how many type problems it kept', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await signInAsAdmin(page);
  await page.goto('/flows/misspelt-call');
  const lines = page.locator('.monaco-editor .view-lines');
  await expect(lines).toBeVisible();
  const code = `export default async function handler(this: Execution) {
  const count: number = 'three';
  await this.connect('my-databse');
  return this.success('done');
}`;
  // Pasted, as a person would (see code-flow.spec.ts on why not typed).
  await page.evaluate((text) => navigator.clipboard.writeText(text), code);
  await lines.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');

  const warning = page.locator('.monaco-editor .squiggly-warning');
  await expect(warning).toHaveCount(1);
  // Decorations lie under the editor's text layer: hover them through it, until the hover has opened.
  await expect(async () => {
    await warning.hover({ force: true });
    await expect(
      page.locator('.monaco-hover').filter({
        hasText: "connection 'my-databse' does not exist; did you mean 'my-database'?",
      }),
    ).toBeVisible({ timeout: 2000 });
  }).toPass();
  await expect(page.locator('.monaco-editor .squiggly-error')).toHaveCount(1);

  await page.keyboard.press('ControlOrMeta+S');
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version' })).toHaveText(
    /^Saved as version \d+, with 1 type problem kept/,
  );
  await page.screenshot({ path: 'tmp/editor-warnings.png' });
});
