import { expect, test, type APIRequestContext } from '@playwright/test';
import { apiAsAdmin, signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

/**
 * The live view of a graph flow's execution (docs/canvas.md): its canvas lights up node by node, a
 * node's details open on a click, and a child graph flow opens in place, live.
 */
let api: APIRequestContext;

const child = {
  nodes: [
    {
      id: 'wait_a_bit',
      type: 'script',
      params: { code: 'await this.sleep(1.5);\nreturn input.n * 2;', input: { n: '{{ input.n }}' } },
    },
    {
      id: 'done',
      type: 'end',
      params: { status: 'success', message: 'doubled', output: { n: '{{ wait_a_bit.output }}' } },
    },
  ],
  edges: [{ source: 'wait_a_bit', target: 'done' }],
};
const parent = {
  nodes: [
    { id: 'start', type: 'script', params: { code: 'await this.sleep(1);\nreturn 21;' } },
    { id: 'check', type: 'condition', params: { expression: 'start.output > 20' } },
    { id: 'double', type: 'flow', params: { flow: 'live-graph-child', input: { n: '{{ start.output }}' } } },
    { id: 'never', type: 'end', params: { status: 'error', message: 'not reached' } },
  ],
  edges: [
    { source: 'start', target: 'check' },
    { source: 'check', sourceHandle: 'true', target: 'double' },
    { source: 'check', sourceHandle: 'false', target: 'never' },
  ],
};

test.beforeAll(async ({ browser, baseURL }) => {
  api = await apiAsAdmin(browser, baseURL!, 'live canvas e2e');
  for (const [name, graph] of [
    ['live-graph-child', child],
    ['live-graph-parent', parent],
  ] as const) {
    const response = await api.post('/api/latest/flow', { data: { name, kind: 'graph', graph } });
    expect(response.status(), await response.text()).toBe(201);
  }
});

test.afterAll(async () => {
  await api?.dispose();
});

test('a graph run started over REST lights up on its canvas; a child flow opens in place, live', async ({
  page,
}) => {
  await signInAsAdmin(page);
  const started = await api.post('/api/latest/execution', { data: { flow: 'live-graph-parent', wait: 0 } });
  const { id } = (await started.json()) as { id: string };
  await page.goto(`/executions/${id}`);
  const canvas = page.getByTestId('run-canvas');
  const node = (nodeId: string) => canvas.locator(`[data-node-id="${nodeId}"]`);
  await expect(node('start')).toBeVisible();
  // It runs, then succeeds, without a reload; the branch not taken is skipped.
  await expect(node('start')).toHaveAttribute('data-status', /running|success/);
  await expect(node('double')).toHaveAttribute('data-status', /running|success/, { timeout: 20_000 });
  await expect(node('never')).toHaveAttribute('data-status', 'skipped');
  await expect(node('start').getByTestId('node-run')).toContainText(/Succeeded · \d/);

  // The child flow's node: its details, and its own graph, live, in place.
  await node('double').click();
  const details = page.getByTestId('node-details');
  await expect(details).toContainText('double');
  await details.getByRole('button', { name: 'Open live-graph-child' }).click();
  await expect(page.getByRole('navigation', { name: 'Opened flows' })).toContainText('live-graph-child');
  await expect(node('wait_a_bit')).toBeVisible();
  await expect(node('done')).toHaveAttribute('data-status', 'success', { timeout: 20_000 });

  // Back up: the parent's graph, ended.
  await page
    .getByRole('navigation', { name: 'Opened flows' })
    .getByRole('button', { name: 'live-graph-parent' })
    .click();
  await expect(node('double')).toHaveAttribute('data-status', 'success');
  await expect(page.getByTestId('execution-status')).toHaveText('Succeeded');
  await node('double').click();
  await expect(page.getByTestId('node-details').getByLabel('Node output')).toContainText('"n": 42');
  await page.getByRole('region', { name: 'Graph' }).screenshot({ path: 'docs/canvas-live-run.png' });
  await page
    .getByRole('region', { name: 'Executions in this tree' })
    .screenshot({ path: 'docs/execution-tree.png' });
  await page.getByRole('link', { name: 'Back to editing' }).click();
  await expect(page).toHaveURL(/\/flows\/live-graph-parent$/);
});

test('Run in dev mode from the canvas: the new execution opens live, marked dev mode, node by node', async ({
  page,
}) => {
  await signInAsAdmin(page);
  await page.goto('/flows/live-graph-child');
  await page.getByRole('button', { name: 'Run in dev mode', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Input (JSON)').fill('{"n": 5}');
  await dialog.getByRole('button', { name: 'Run in dev mode', exact: true }).click();
  await expect(page).toHaveURL(/\/executions\/[0-9a-f-]{36}$/);
  await expect(page.getByText('Dev mode', { exact: true }).first()).toBeVisible();
  const node = (nodeId: string) => page.getByTestId('run-canvas').locator(`[data-node-id="${nodeId}"]`);
  await expect(node('wait_a_bit')).toHaveAttribute('data-status', /running|success/);
  await expect(node('done')).toHaveAttribute('data-status', 'success', { timeout: 20_000 });
  await node('wait_a_bit').click();
  await expect(page.getByTestId('node-details').getByLabel('Node output')).toContainText('10');
  await expect(page.getByTestId('execution-status')).toHaveText('Succeeded');
});

test('a run started over REST shows in the open editor at once; drop to code and back to the graph', async ({
  page,
}) => {
  await signInAsAdmin(page);
  await page.goto('/flows/live-graph-child');
  await expect(page.getByTestId('canvas-node').first()).toBeVisible();
  const runs = page.getByTestId('recent-runs');
  await runs.locator('summary').click();
  const entries = runs.getByRole('menuitem');
  const before = await entries.count();
  await api.post('/api/latest/execution', {
    data: { flow: 'live-graph-child', input_value: { n: 1 }, wait: 0 },
  });
  await expect(entries).toHaveCount(before + 1);
  await expect(runs.locator('summary')).toContainText('1 running');
  await expect(runs.locator('summary')).not.toContainText('running', { timeout: 20_000 });
  await runs.locator('summary').click();

  await page.getByRole('button', { name: 'Convert to code' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Convert to code' }).click();
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('this.graph()');
  await page.getByRole('button', { name: 'Convert to graph' }).click();
  await expect(page.getByTestId('canvas-node')).toHaveCount(2);
  await expect(page.locator('[data-node-id="wait_a_bit"]')).toBeVisible();
});
