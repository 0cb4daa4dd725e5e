import { expect, test, type Page } from '@playwright/test';
import { signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

const withTypeError = `export default async function handler(this: Execution, system: System) {
const input = this.input as { name: string };
await this.log('greeting', input.name);
await this.save({ output: { greeting: 'Hello, ' + input.name + '!' } });
return this.succes('greeted');
}
`;
const fixed = withTypeError.replace('this.succes(', 'this.success(');
const withSyntaxError = `export default async function handler(this: Execution {
return this.success('never');
}
`;
const sleeper = `export default async function handler(this: Execution) {
await this.sleep(600);
return this.success('woke');
}
`;

async function createFlow(page: Page, name: string) {
  await page.goto('/flows');
  await page.getByRole('button', { name: 'New flow' }).first().click();
  await page.getByRole('dialog').getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create flow' }).click();
  await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  await expect(page.locator('.monaco-editor .view-lines')).toBeVisible();
}

/**
 * Replaces the editor's whole text by pasting it, as a person would. Not keyboard.type (Monaco 0.57's
 * EditContext drops typed spaces) and not insertText (auto-closing brackets add a stray '}').
 */
async function replaceCode(page: Page, code: string) {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((text) => navigator.clipboard.writeText(text), code);
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

/**
 * The suggestion list as a person sees it: every row's label is drawn inside its row and is what the
 * page shows at that point (not pushed below the row by the app's own styles, not covered).
 */
async function expectSuggestionsReadable(page: Page) {
  const rows = page.locator('.suggest-widget .monaco-list-row');
  await expect(rows.first()).toBeVisible();
  const seen = await rows.evaluateAll((elements) =>
    elements.map((row) => {
      const label = row.querySelector('.label-name');
      const rowBox = row.getBoundingClientRect();
      const box = label?.getBoundingClientRect();
      const inside =
        box !== undefined &&
        box.height > 0 &&
        box.top >= rowBox.top - 0.5 &&
        box.bottom <= rowBox.bottom + 0.5;
      const shown =
        box !== undefined &&
        label!.contains(document.elementFromPoint(box.left + 2, box.top + box.height / 2));
      return { label: label?.textContent ?? '', inside, shown };
    }),
  );
  expect(seen.length).toBeGreaterThan(0);
  for (const row of seen) expect(row).toEqual({ label: expect.any(String), inside: true, shown: true });
}

async function run(page: Page, mode: 'productive' | 'dev', input: string) {
  await page.getByRole('button', { name: mode === 'dev' ? 'Run in dev mode' : 'Run', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Input (JSON)').fill(input);
  await dialog.getByRole('button', { name: mode === 'dev' ? 'Run in dev mode' : 'Run', exact: true }).click();
}

test('write a code flow, see a type error underlined, save, run and follow the execution', async ({
  page,
  baseURL,
}) => {
  // Monaco and its workers come from this server: nothing may be fetched from anywhere else (no CDN).
  const elsewhere: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(baseURL!) && !/^(data|blob):/.test(url)) elsewhere.push(url);
  });
  await signInAsAdmin(page);
  await createFlow(page, 'greeter');
  await expect(page.getByTestId('flow-version')).toHaveText('v1');

  // A syntax error is refused by the server with line and column; nothing is saved.
  await replaceCode(page, withSyntaxError);
  await expect(page.getByTestId('unsaved')).toBeVisible();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Not saved' })).toContainText(
    /Not saved: syntax error at line 1, column \d+/,
  );
  await expect(page.getByTestId('flow-version')).toHaveText('v1');

  // A type error: the flow API's types know `success`, not `succes`.
  await replaceCode(page, withTypeError);
  // The checker runs in a web worker: hover the underlined code until its message is the type error.
  await expect(async () => {
    await page.locator('.monaco-editor .squiggly-error').last().hover({ force: true });
    await expect(
      page
        .locator('.monaco-hover')
        .filter({ hasText: "Property 'succes' does not exist on type 'Execution" }),
    ).toBeVisible({ timeout: 2000 });
  }).toPass();

  // `this.` inside a handler completes from the flow API.
  await replaceCode(
    page,
    'export default async function handler(this: Execution, system: System) {\n  this.fl',
  );
  await page.keyboard.press('Control+Space');
  await expect(page.locator('.suggest-widget')).toContainText('flow');
  await expectSuggestionsReadable(page);
  await page.locator('.suggest-widget').screenshot({ path: 'test-results/suggestions.png' });
  await page.keyboard.press('Escape');

  await replaceCode(page, fixed);
  await expect(page.locator('.monaco-editor .squiggly-error')).toHaveCount(0);
  await page.keyboard.press('ControlOrMeta+S');
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 2' })).toBeVisible();
  await expect(page.getByTestId('flow-version')).toHaveText('v2');
  await expect(page.getByTestId('unsaved')).toHaveCount(0);

  // The input is checked before anything is sent.
  await run(page, 'productive', '{"name": ');
  await expect(page.getByRole('dialog').getByRole('alert')).toContainText('The input is not valid JSON');
  await expect(page).toHaveURL(/\/flows\/greeter$/);

  await page.getByRole('dialog').getByLabel('Input (JSON)').fill('{"name": "Ada"}');
  await page.getByRole('dialog').getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/executions\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('execution-status')).toHaveText('Succeeded');
  await expect(page.getByLabel('Output value')).toContainText('"greeting": "Hello, Ada!"');
  await expect(page.getByLabel('Input value')).toContainText('"name": "Ada"');
  await expect(page.getByTestId('execution-message')).toHaveText('greeted');
  await expect(page.getByTestId('log-line')).toContainText('greeting Ada');
  await expect(page.getByText('Dev mode')).toHaveCount(0);
  const flowLink = page.getByTestId('execution-flow').getByRole('link', { name: 'greeter', exact: true });
  await expect(flowLink).toBeVisible();
  await expect(
    page.getByTestId('execution-flow').getByRole('link', { name: 'v2', exact: true }),
  ).toBeVisible();
  await expect(page.getByTestId('tree-node')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0);

  // Dev mode: the same flow, marked as such.
  await flowLink.click();
  await run(page, 'dev', '{"name": "Grace"}');
  await expect(page).toHaveURL(/\/executions\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('execution-status')).toHaveText('Succeeded');
  await expect(page.getByText('Dev mode', { exact: true }).first()).toBeVisible();
  await expect(page.getByLabel('Output value')).toContainText('Hello, Grace!');

  // The Run dialog starts from the input this flow last ran with.
  await flowLink.click();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('dialog').getByLabel('Input (JSON)')).toHaveValue('{"name": "Grace"}');
  await page.keyboard.press('Escape');
  expect(elsewhere).toEqual([]);
});

test("a flow's timeout is set in the editor's toolbar and kept", async ({ page }) => {
  await signInAsAdmin(page);
  await createFlow(page, 'patient');
  const timeout = page.getByLabel('Timeout');
  await expect(timeout).toHaveValue('3600');
  await timeout.fill('90');
  await timeout.press('Enter');
  await expect(timeout).not.toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: 'test-results/flow-timeout.png' });
  await expect(async () => {
    await page.reload();
    await expect(page.getByLabel('Timeout')).toHaveValue('90', { timeout: 2000 });
  }).toPass();
});

test('the Executions list shows both runs, latest first, and filters by flow and mode', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto('/executions');
  // Other specs may have run flows on this server too: look at this spec's flow.
  const rows = page.getByTestId('execution-row');
  const greeterRows = rows.filter({ has: page.getByRole('link', { name: 'greeter', exact: true }) });
  await expect(greeterRows).toHaveCount(2);
  await expect(greeterRows.nth(0)).toContainText('Dev mode');
  await expect(greeterRows.nth(1)).toContainText('Productive');
  await expect(greeterRows.nth(0)).toContainText('Succeeded');

  await page.getByLabel('Flow', { exact: true }).selectOption({ label: 'greeter' });
  await expect(page).toHaveURL(/flow=/);
  await expect(rows).toHaveCount(2);

  await page.getByLabel('Mode', { exact: true }).selectOption('dev');
  await expect(page).toHaveURL(/mode=dev/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Dev mode');

  await page.getByLabel('Mode', { exact: true }).selectOption('productive');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Productive');

  await page.getByLabel('Status', { exact: true }).selectOption('ENDED_ERROR');
  await expect(page.getByRole('heading', { name: 'No executions match these filters' })).toBeVisible();
  await page.getByLabel('Status', { exact: true }).selectOption('');
  await expect(rows).toHaveCount(1);

  await rows.first().getByRole('link', { name: 'greeter' }).click();
  await expect(page.getByLabel('Output value')).toContainText('Hello, Ada!');
});

test('cancel a waiting execution from its page', async ({ page }) => {
  await signInAsAdmin(page);
  await createFlow(page, 'sleeper');
  await replaceCode(page, sleeper);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('flow-version')).toHaveText('v2');
  await run(page, 'productive', '');
  await expect(page).toHaveURL(/\/executions\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('execution-status')).toHaveText('Waiting');

  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel execution' }).click();
  await expect(page.getByTestId('execution-status')).toHaveText('Cancelled');
  await expect(page.getByRole('button', { name: 'Cancel', exact: true })).toHaveCount(0);
});

test('the REST API page lists the endpoints and how to authenticate', async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'REST API' }).click();
  await expect(page.getByRole('heading', { name: 'REST API', level: 1 })).toBeVisible();
  await expect(page.getByText('Authorization: Bearer <token>')).toBeVisible();
  await expect(page.getByLabel('curl example')).toContainText('/api/latest/execution');
  const start = page.locator('article', { hasText: 'Start an execution of a flow' });
  await expect(start).toContainText('/api/latest/execution');
  await expect(start).toContainText('input_value');
  await expect(start).toContainText('is_productive');
});

test('two tabs editing one flow: the second save is refused with who saved and when, nothing is overwritten', async ({
  page,
  context,
}) => {
  await signInAsAdmin(page);
  await createFlow(page, 'shared-edit');
  const other = await context.newPage();
  await other.goto('/flows/shared-edit');
  await expect(other.locator('.monaco-editor .view-lines')).toBeVisible();

  await replaceCode(page, fixed.replace('greeted', 'first tab'));
  await page.keyboard.press('ControlOrMeta+S');
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 2' })).toBeVisible();

  await replaceCode(other, fixed.replace('greeted', 'second tab'));
  await other.keyboard.press('ControlOrMeta+S');
  const refusal = other.getByRole('alert').filter({ hasText: 'Not saved' });
  await expect(refusal).toContainText(
    /Not saved: changed by .+ at \d{4}-\d\d-\d\dT.+ \(version 2; you edited version 1\)/,
  );
  await expect(other.getByTestId('flow-version')).toHaveText('v1');

  // Reload shows the first tab's save; it was not overwritten.
  await refusal.getByRole('button', { name: 'Reload' }).click();
  await expect(other.getByTestId('flow-version')).toHaveText('v2');
  await expect(other.locator('.monaco-editor .view-lines')).toContainText("this.success('first tab')");

  // The Versions panel serves code flows too: each version's code, read-only.
  await other.getByRole('button', { name: 'Versions' }).click();
  const panel = other.getByRole('dialog', { name: 'Versions of shared-edit' });
  await expect(panel.getByTestId('version-entry')).toHaveCount(2);
  await expect(panel.getByTestId('version-entry').first()).toContainText(/v2\s*code\s*latest/);
  await expect(panel.getByTestId('version-view').locator('.view-lines')).toContainText("'first tab'");
  await panel.getByTestId('version-entry').nth(1).click();
  await expect(panel.getByRole('button', { name: 'Restore version 1' })).toBeVisible();
  await other.close();
});

test('unsaved code: an in-app link asks before leaving, and a local draft survives the tab', async ({
  page,
  context,
}) => {
  await signInAsAdmin(page);
  await createFlow(page, 'draft-keeper');
  await replaceCode(page, fixed.replace('greeted', 'not saved yet'));
  await expect(page.getByTestId('unsaved')).toBeVisible();

  // Declining stays; the sidebar link and the breadcrumb both ask.
  const questions: string[] = [];
  const answer = (accept: boolean) =>
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void (accept ? dialog.accept() : dialog.dismiss());
    });
  answer(false);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
  await expect(page).toHaveURL(/\/flows\/draft-keeper$/);
  answer(false);
  await page.locator('.breadcrumb').getByRole('link', { name: 'Flows' }).click();
  await expect(page).toHaveURL(/\/flows\/draft-keeper$/);
  expect(questions).toEqual(Array(2).fill('You have unsaved changes. Leave this page and lose them?'));
  await expect(page.getByTestId('unsaved')).toBeVisible();
  await expect(page.locator('.monaco-editor .view-lines')).toContainText("this.success('not saved yet')");

  // Leaving anyway straight after another edit, then Back: the edit is offered again, as it was left.
  await replaceCode(page, fixed.replace('greeted', 'left at once'));
  answer(true);
  await page.locator('.breadcrumb').getByRole('link', { name: 'Flows' }).click();
  await expect(page).toHaveURL(/\/flows$/);
  expect(questions).toHaveLength(3);
  await page.goBack();
  await expect(page).toHaveURL(/\/flows\/draft-keeper$/);
  await expect(page.getByTestId('draft')).toContainText('Unsaved changes from');
  await page.getByRole('button', { name: 'Restore them' }).click();
  await expect(page.locator('.monaco-editor .view-lines')).toContainText("this.success('left at once')");
  await replaceCode(page, fixed.replace('greeted', 'not saved yet'));
  await expect(page.getByTestId('unsaved')).toBeVisible();

  // Another tab (or the same one after a crash) is offered the draft, once it is written.
  await expect
    .poll(() =>
      page.evaluate(() =>
        Object.keys(localStorage).some(
          (key) => key.startsWith('flowline:draft:') && localStorage.getItem(key)!.includes('not saved yet'),
        ),
      ),
    )
    .toBe(true);
  const later = await context.newPage();
  await later.goto('/flows/draft-keeper');
  await expect(later.getByTestId('draft')).toContainText('Unsaved changes from');
  // Offered and not chosen yet, it is still there after another reload (and the moment a draft takes).
  await later.waitForTimeout(600);
  await later.reload();
  await expect(later.getByTestId('draft')).toContainText('Unsaved changes from');
  await later.getByRole('button', { name: 'Restore them' }).click();
  await expect(later.locator('.monaco-editor .view-lines')).toContainText("this.success('not saved yet')");
  await expect(later.getByTestId('unsaved')).toBeVisible();
  await later.close();
});
