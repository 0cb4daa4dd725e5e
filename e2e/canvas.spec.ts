import { expect, test, type Locator, type Page } from '@playwright/test';
import { signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

const node = (page: Page, id: string) => page.locator(`[data-testid="canvas-node"][data-node-id="${id}"]`);
const edges = (page: Page) => page.locator('.react-flow__edge');

/** Drags from one handle to another with the mouse, as a person wires two nodes. */
async function dragBetween(page: Page, from: Locator, to: Locator, { release = true } = {}) {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  if (release) await page.mouse.up();
}

/** Replaces a Monaco editor's text by pasting it (see code-flow.spec.ts for why not typing). */
async function pasteInto(page: Page, editor: Locator, text: string) {
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await editor.locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

async function centerX(locator: Locator) {
  const box = (await locator.boundingBox())!;
  return box.x + box.width / 2;
}

test('draw a graph flow: palette, wiring, forms, save, undo, copy/paste, tidy up, code, run', async ({
  page,
}) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAsAdmin(page);

  // The Flows list creates either kind.
  await page.getByRole('button', { name: 'New flow' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name', { exact: true }).fill('drawn');
  await dialog.getByRole('radio', { name: /Graph/ }).check();
  await dialog.getByRole('button', { name: 'Create flow' }).click();
  await expect(page.getByRole('heading', { name: 'drawn', exact: true })).toBeVisible();
  const canvas = page.getByTestId('canvas');
  await expect(canvas).toBeVisible();

  // Two nodes from the palette, by drag and drop; their ids are readable.
  await page.getByTestId('palette-connection').dragTo(canvas, { targetPosition: { x: 40, y: 80 } });
  await page.getByTestId('palette-script').dragTo(canvas, { targetPosition: { x: 230, y: 240 } });
  await expect(page.getByTestId('canvas-node')).toHaveCount(2);
  await expect(node(page, 'connection_1')).toContainText('REST (ad hoc)');
  await expect(node(page, 'script_1')).toContainText('return input;');

  // Wire them; the way back would be a cycle, and the canvas says so while dragging.
  const out = (id: string) => node(page, id).locator('.react-flow__handle.source').first();
  const into = (id: string) => node(page, id).locator('.react-flow__handle.target');
  await dragBetween(page, out('connection_1'), into('script_1'));
  await expect(edges(page)).toHaveCount(1);
  await dragBetween(page, out('script_1'), into('connection_1'), { release: false });
  await expect(page.getByTestId('connection-hint')).toContainText('may not form a cycle');
  await page.mouse.up();
  await expect(page.getByTestId('connection-hint')).toHaveCount(0);
  await expect(edges(page)).toHaveCount(1);

  // The connection node's form: an invalid value shows its message at the field.
  await node(page, 'connection_1').click();
  const inspector = page.getByTestId('inspector');
  await expect(inspector.getByLabel('Node id')).toHaveValue('connection_1');
  const timeout = inspector.getByLabel('Timeout (s)');
  await timeout.fill('0');
  const timeoutField = inspector.locator('[data-field="timeout_seconds"]');
  await expect(timeoutField.getByTestId('field-issue')).toContainText('timeout_seconds');
  await expect(node(page, 'connection_1').getByTestId('node-issue')).toBeVisible();

  // Saving is refused, and the refusal is shown at the node and the field.
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Not saved' })).toBeVisible();
  await expect(page.getByTestId('flow-version')).toHaveText('v1');
  await timeout.fill('30');
  await expect(timeoutField.getByTestId('field-issue')).toHaveCount(0);

  // An input field with an expression, completed from what is in scope.
  await inspector.getByRole('button', { name: '+ Add field' }).click();
  await inspector.getByLabel('Name 1').fill('url');
  const value = inspector.locator('[data-field="inputs"] input[role="combobox"]').first();
  await value.fill('https://shop.example/orders/{{ in');
  await expect(inspector.getByRole('listbox', { name: 'Completions' })).toContainText('input');
  await value.press('Enter');
  await value.press('End');
  await value.pressSequentially('.id }}');
  await expect(value).toHaveValue('https://shop.example/orders/{{ input.id }}');

  // The script node: its input reads the connection's output, its code is typed in Monaco.
  await node(page, 'script_1').click();
  await expect(inspector.getByLabel('Node id')).toHaveValue('script_1');
  await inspector.getByRole('button', { name: '+ Add field' }).click();
  await inspector.getByLabel('Name 1').fill('orders');
  const scriptValue = inspector.locator('[data-field="input"] input[role="combobox"]').first();
  await scriptValue.fill('{{ conn');
  await expect(inspector.getByRole('option', { name: 'connection_1' })).toBeVisible();
  await scriptValue.press('Tab');
  await scriptValue.press('End');
  await scriptValue.pressSequentially('.output }}');
  await expect(scriptValue).toHaveValue('{{ connection_1.output }}');
  const code = inspector.getByTestId('script-code');
  await expect(code.locator('.monaco-editor .view-lines')).toBeVisible();
  await pasteInto(page, code, 'return { count: input.orders.json.length };');
  await expect(node(page, 'script_1')).toContainText('return { count: input.orders.json.length };');
  await page.screenshot({ path: 'docs/canvas-inspector.png' });

  // Save (Ctrl+S on the canvas).
  await canvas.click({ position: { x: 40, y: 40 } });
  await page.keyboard.press('ControlOrMeta+S');
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 2' })).toBeVisible();
  await expect(page.getByTestId('unsaved')).toHaveCount(0);

  // Delete, undo, redo: the node comes back with its edge.
  await node(page, 'script_1').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('canvas-node')).toHaveCount(1);
  await expect(edges(page)).toHaveCount(0);
  await expect(page.getByTestId('unsaved')).toBeVisible();
  await page.keyboard.press('ControlOrMeta+Z');
  await expect(page.getByTestId('canvas-node')).toHaveCount(2);
  await expect(edges(page)).toHaveCount(1);
  await page.keyboard.press('ControlOrMeta+Shift+Z');
  await expect(page.getByTestId('canvas-node')).toHaveCount(1);
  await page.keyboard.press('ControlOrMeta+Z');
  await expect(page.getByTestId('canvas-node')).toHaveCount(2);
  await expect(page.getByTestId('unsaved')).toHaveCount(0);

  // Copy both nodes and paste them: fresh ids, the edge between them kept, the expression following.
  await node(page, 'connection_1').click();
  await node(page, 'script_1').click({ modifiers: ['Shift'] });
  await page.keyboard.press('ControlOrMeta+C');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(JSON.parse(copied).nodes.map((copy: { id: string }) => copy.id)).toEqual([
    'connection_1',
    'script_1',
  ]);
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + 200, box.y + box.height - 220);
  await page.keyboard.press('ControlOrMeta+V');
  await expect(page.getByTestId('canvas-node')).toHaveCount(4);
  await expect(node(page, 'connection_2')).toBeVisible();
  await expect(node(page, 'script_2')).toBeVisible();
  await expect(edges(page)).toHaveCount(2);
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await node(page, 'script_2').click();
  await expect(inspector.locator('[data-field="input"] input[role="combobox"]').first()).toHaveValue(
    '{{ connection_2.output }}',
  );

  // A messy graph: an end node far to the left of what leads to it; tidy up lays it out left to right.
  await page.getByTestId('palette-end').dragTo(canvas, { targetPosition: { x: 40, y: 420 } });
  await expect(node(page, 'end_1')).toBeVisible();
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await dragBetween(page, out('script_1'), into('end_1'));
  await expect(edges(page)).toHaveCount(3);
  expect(await centerX(node(page, 'end_1'))).toBeLessThan(await centerX(node(page, 'script_1')));
  await page.getByRole('button', { name: 'Tidy up' }).click();
  await expect(async () => {
    const [connection, script, end] = await Promise.all(
      ['connection_1', 'script_1', 'end_1'].map((id) => centerX(node(page, id))),
    );
    expect(connection).toBeLessThan(script!);
    expect(script).toBeLessThan(end!);
  }).toPass();
  await page.keyboard.press('ControlOrMeta+S');
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 3' })).toBeVisible();
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.screenshot({ path: 'docs/canvas-editor.png' });

  // The code tab: the compiled module, read-only.
  await page.getByRole('tab', { name: 'Code' }).click();
  const compiled = page.getByTestId('compiled-code');
  await expect(compiled.locator('.view-lines')).toContainText("graph.node('connection_1'");
  await expect(compiled.locator('.view-lines')).toContainText('this.script(');
  await page.screenshot({ path: 'docs/canvas-code.png' });
  await page.getByRole('tab', { name: 'Canvas' }).click();

  // Run opens the new execution.
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('dialog').getByLabel('Input (JSON)').fill('{"id": 7}');
  await page.getByRole('dialog').getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/executions\/[0-9a-f-]{36}$/);
  // The shop does not exist: the run ends in an error, and nothing of it lingers for the next spec.
  await expect(page.getByTestId('execution-status').locator('[data-status]')).toHaveAttribute(
    'data-status',
    /^ENDED_/,
    { timeout: 30_000 },
  );
});
