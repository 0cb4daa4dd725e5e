import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect, request, test, type APIRequestContext, type Page } from '@playwright/test';
import { apiAsAdmin, signInAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

/**
 * Live updates (docs/live.md) in the browser: executions started over REST appear and change on open
 * pages without a reload, also after the page's connection dropped mid-run.
 */
let api: APIRequestContext;

const CHILD = `export default async function handler(this: Execution) {
  return this.success('child done');
}`;
// A short pause, a child, another pause: the tree changes while the page looks at it.
const PARENT = `export default async function handler(this: Execution) {
  await this.sleep(1.5);
  await this.flow('live-child');
  await this.sleep(1.5);
  return this.success('parent done');
}`;

test.beforeAll(async ({ browser, baseURL }) => {
  api = await apiAsAdmin(browser, baseURL!, 'live e2e');
  for (const [name, code] of [
    ['live-child', CHILD],
    ['live-parent', PARENT],
  ]) {
    expect((await api.post('/api/latest/flow', { data: { name, code } })).status()).toBe(201);
  }
});

test.afterAll(async () => {
  await api?.dispose();
});

async function startParent(): Promise<string> {
  const started = await api.post('/api/latest/execution', { data: { flow: 'live-parent', wait: 0 } });
  expect(started.status()).toBe(202);
  return ((await started.json()) as { id: string }).id;
}

/**
 * A TCP proxy in front of the app whose connections the test can cut, as a network drop would (the
 * browser's offline emulation leaves an open stream alone). Cookies ignore the port, so the session
 * signed in on the app's own address holds here too.
 */
async function startCuttableProxy(appUrl: string) {
  const target = new URL(appUrl);
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = net.connect(Number(target.port), '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    /** Cuts every open connection and refuses new ones until `restore()`. */
    cut() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      refusing = false;
    },
    close() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * The page's live subscription requests of one procedure (each reconnect is one more): the URL, and the
 * id it resumes from (the `lastEventId` input tRPC's link adds, or the browser's own `Last-Event-ID`).
 */
function subscriptionRequests(page: Page, procedure: string): Array<Promise<string>> {
  const sent: Array<Promise<string>> = [];
  page.on('request', (request) => {
    if (!request.url().includes(`/api/trpc/executions.${procedure}`)) return;
    const input = decodeURIComponent(request.url());
    sent.push(
      request.allHeaders().then((headers) => `${input} last-event-id=${headers['last-event-id'] ?? ''}`),
    );
  });
  return sent;
}

test('the Executions list shows a run started over REST, and its end, without a reload', async ({ page }) => {
  await signInAsAdmin(page);
  const subscriptions = subscriptionRequests(page, 'onList');
  // allHeaders(): headers() leaves out the cookie.
  const cookies: Array<Promise<string | undefined>> = [];
  page.on('request', (sent) => {
    if (sent.url().includes('/api/trpc/executions.onList'))
      cookies.push(sent.allHeaders().then((headers) => headers['cookie']));
  });
  await page.goto('/executions');
  await expect(page.getByRole('heading', { name: 'Executions', exact: true })).toBeVisible();
  await expect.poll(() => subscriptions.length).toBeGreaterThan(0);

  const id = await startParent();
  const row = page.getByTestId('execution-row').filter({ has: page.locator(`a[href="/executions/${id}"]`) });
  await expect(row).toBeVisible();
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', /PENDING|RUNNING|WAITING/);
  await page.screenshot({ path: 'test-results/live-list-running.png' });
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'ENDED_SUCCESS', {
    timeout: 20_000,
  });
  // The list holds top-level runs: the child shows under its parent, expanded in place.
  const childRows = page.getByTestId('execution-row').filter({ hasText: 'live-child' });
  await expect(childRows).toHaveCount(0);
  await row.getByRole('button', { name: 'Show the children of live-parent' }).click();
  await expect(childRows).toHaveCount(1);
  await expect(childRows).toHaveAttribute('data-depth', '1');
  await expect(childRows.locator('[data-status]')).toHaveAttribute('data-status', 'ENDED_SUCCESS');
  await page.screenshot({ path: 'test-results/live-list-ended.png' });
  // The stream is an ordinary same-origin GET: the session cookie went with it.
  expect(await cookies[0]).toContain('next-auth.session-token');
});

test('the execution page follows its tree live, also across a dropped connection', async ({
  page,
  baseURL,
}) => {
  await signInAsAdmin(page);
  const proxy = await startCuttableProxy(baseURL!);
  const subscriptions = subscriptionRequests(page, 'onTree');
  const id = await startParent();
  await page.goto(`${proxy.url}/executions/${id}`);
  const status = page.getByTestId('execution-status').locator('[data-status]');
  await expect(status).toHaveAttribute('data-status', /PENDING|RUNNING|WAITING/);
  await expect.poll(() => subscriptions.length).toBe(1);

  // The child appears in the tree while the parent still runs.
  const nodes = page.getByTestId('tree-node');
  await expect(nodes).toHaveCount(2, { timeout: 20_000 });
  await expect(nodes.filter({ hasText: 'live-child' }).locator('[data-status]')).toHaveAttribute(
    'data-status',
    'ENDED_SUCCESS',
  );
  await expect(status).not.toHaveAttribute('data-status', /ENDED/);
  await page.screenshot({ path: 'test-results/live-detail-running.png' });

  // The connection drops, and the run ends while the page cannot reach the server.
  proxy.cut();
  await expect
    .poll(async () => (await api.get(`/api/latest/execution/${id}`)).json() as Promise<{ status: string }>, {
      timeout: 20_000,
    })
    .toMatchObject({ status: 'ENDED_SUCCESS' });
  await expect(status).not.toHaveAttribute('data-status', /ENDED/);
  proxy.restore();

  await expect(status).toHaveAttribute('data-status', 'ENDED_SUCCESS', { timeout: 20_000 });
  await expect(page.getByTestId('execution-message')).toHaveText('parent done');
  await expect(nodes.locator('[data-status="ENDED_SUCCESS"]')).toHaveCount(2);
  await expect(page.getByText('Running for')).toHaveCount(0);
  // It got there on a new stream resumed from its last id, not by reloading the page.
  expect(subscriptions.length).toBeGreaterThan(1);
  expect(await subscriptions.at(-1)).toMatch(/("lastEventId":"|last-event-id=)\d+:\d+:/);
  await page.screenshot({ path: 'test-results/live-detail-ended.png' });
  await proxy.close();
});

test('a live subscription without a session is refused', async ({ baseURL }) => {
  const anonymous = await request.newContext({ baseURL });
  const input = encodeURIComponent(JSON.stringify({ json: {} }));
  const refused = await anonymous.get(`/api/trpc/executions.onList?input=${input}`);
  expect(refused.status()).toBe(401);
  await anonymous.dispose();
});
