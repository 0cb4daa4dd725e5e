import { expect, test, type Locator, type Page } from '@playwright/test';
import { signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

const nodes = (scope: Page | Locator) => scope.getByTestId('canvas-node');
const node = (page: Page, id: string) => page.locator(`[data-testid="canvas-node"][data-node-id="${id}"]`);

async function createGraphFlow(page: Page, name: string) {
  await page.getByRole('button', { name: 'New flow' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByRole('radio', { name: /Graph/ }).check();
  await dialog.getByRole('button', { name: 'Create flow' }).click();
  await expect(page.getByTestId('canvas')).toBeVisible();
}

/** Drops a node from the palette at a spot of the canvas. */
async function drop(page: Page, type: string, x: number, y: number) {
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
}

async function wire(page: Page, from: string, to: string) {
  const a = (await node(page, from).locator('.react-flow__handle.source').first().boundingBox())!;
  const b = (await node(page, to).locator('.react-flow__handle.target').boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

test('two tabs on one graph flow: the second save is refused, nothing is overwritten; versions viewed and restored', async ({
  page,
  context,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAsAdmin(page);
  await createGraphFlow(page, 'versioned');
  const other = await context.newPage();
  await other.goto('/flows/versioned');
  await expect(other.getByTestId('canvas')).toBeVisible();

  await drop(page, 'script', 120, 160);
  await drop(page, 'end', 480, 160);
  await wire(page, 'script_1', 'end_1');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 2' })).toBeVisible();

  // The other tab still holds version 1: its save is refused, with who saved and when.
  await other.getByTestId('palette-script').dblclick();
  await expect(nodes(other)).toHaveCount(1);
  await other.getByRole('button', { name: 'Save', exact: true }).click();
  const refusal = other.getByRole('alert').filter({ hasText: 'Not saved' });
  await expect(refusal).toContainText(
    /Not saved: changed by Ada Admin at \d{4}-\d\d-\d\dT.+ \(version 2; you edited version 1\)/,
  );
  await expect(other.getByTestId('flow-version')).toHaveText('v1');

  // Reload shows the first tab's save: it was not overwritten.
  await refusal.getByRole('button', { name: 'Reload' }).click();
  await expect(other.getByTestId('flow-version')).toHaveText('v2');
  await expect(node(other, 'end_1')).toBeVisible();
  await expect(nodes(other)).toHaveCount(2);
  await other.close();

  // The versions, latest first, with author and kind; the latest drawn read-only.
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.getByRole('button', { name: 'Versions' }).click();
  const panel = page.getByRole('dialog', { name: 'Versions of versioned' });
  const entries = panel.getByTestId('version-entry');
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(0)).toContainText(/v2\s*graph\s*latest/);
  await expect(entries.nth(0)).toContainText('Ada Admin');
  await expect(nodes(panel)).toHaveCount(2);
  await expect(panel.locator('.react-flow__edge')).toHaveCount(1);
  await expect(panel.getByRole('button', { name: /^Restore/ })).toHaveCount(0);
  await page.screenshot({ path: 'docs/canvas-versions.png' });

  // Version 1, the empty flow: its compiled code, and Restore.
  await entries.nth(1).click();
  await expect(nodes(panel)).toHaveCount(0);
  await panel.getByRole('tab', { name: 'Compiled code' }).click();
  await expect(panel.locator('.monaco-editor .view-lines')).toContainText('handler(this');
  await panel.getByRole('button', { name: 'Restore version 1' }).click();

  // The editor starts again at the new version, which holds version 1's graph.
  await expect(page.getByTestId('flow-version')).toHaveText('v3');
  await expect(panel).toBeHidden();
  await expect(nodes(page)).toHaveCount(0);
  await page.getByRole('button', { name: 'Versions' }).click();
  await expect(entries).toHaveCount(3);
  await expect(entries.nth(0)).toContainText(/v3\s*graph\s*latest/);
});

test('unsaved graph changes: an in-app link asks first, and the local draft is offered again', async ({
  page,
  context,
}) => {
  await signInAsAdmin(page);
  await createGraphFlow(page, 'guarded');
  await page.getByTestId('palette-script').dblclick();
  await expect(page.getByTestId('unsaved')).toBeVisible();

  // Declining the question stays on the page, changes kept.
  const questions: string[] = [];
  page.once('dialog', (dialog) => {
    questions.push(dialog.message());
    void dialog.dismiss();
  });
  await page.getByRole('link', { name: 'Connections' }).click();
  await expect(page).toHaveURL(/\/flows\/guarded$/);
  expect(questions).toEqual(['You have unsaved changes. Leave this page and lose them?']);
  await expect(node(page, 'script_1')).toBeVisible();

  // Another tab (or this one after a crash) is offered the draft; restoring it is one undo step.
  await page.waitForTimeout(600); // the draft is written a moment after the last change
  const later = await context.newPage();
  await later.goto('/flows/guarded');
  await expect(later.getByTestId('draft')).toContainText('Unsaved changes from');
  await expect(nodes(later)).toHaveCount(0);
  await later.getByRole('button', { name: 'Restore them' }).click();
  await expect(node(later, 'script_1')).toBeVisible();
  await expect(later.getByTestId('unsaved')).toBeVisible();
  await later.getByRole('button', { name: 'Undo' }).click();
  await expect(nodes(later)).toHaveCount(0);
  await expect(later.getByTestId('unsaved')).toHaveCount(0);
  await later.close();
});
