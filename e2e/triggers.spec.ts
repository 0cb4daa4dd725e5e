import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { sql } from 'kysely';
import { spawnWorker, type WorkerProcess } from '../engine/runtime/testing';
import { createDb, type Db } from '../engine/store/db';
import { apiAsAdmin, signInAsAdmin } from './auth';
import { E2E_DATABASE_FILE } from './database-file';

test.describe.configure({ mode: 'serial' });
// The browser in Vienna, the schedules in UTC: next runs are shown in both zones.
test.use({ timezoneId: 'Europe/Vienna', viewport: { width: 1440, height: 900 } });

let api: APIRequestContext;
let db: Db;

test.beforeAll(async ({ browser, baseURL }) => {
  api = await apiAsAdmin(browser, baseURL!, 'triggers e2e');
  db = createDb(fs.readFileSync(E2E_DATABASE_FILE, 'utf8'));
});

test.afterAll(async () => {
  await api?.dispose();
  await db?.destroy();
});

type TriggerParams = { cron?: string; overlap?: string; enabled: boolean };

function scheduledGraph(schedule: TriggerParams, hook?: string) {
  return {
    nodes: [
      { id: 'tick', type: 'schedule', params: { cron: '* * * * * *', ...schedule } },
      ...(hook ? [{ id: 'hook', type: 'webhook', params: { name: hook, enabled: true } }] : []),
      { id: 'done', type: 'end', params: { status: 'success', output: { at: '{{ input.scheduled_at }}' } } },
    ],
    edges: [{ source: 'tick', target: 'done' }, ...(hook ? [{ source: 'hook', target: 'done' }] : [])],
  };
}

async function createGraphFlow(name: string, graph: unknown): Promise<void> {
  const response = await api.post('/api/latest/flow', { data: { name, kind: 'graph', graph } });
  expect(response.status(), await response.text()).toBe(201);
}

async function saveGraph(name: string, graph: unknown): Promise<void> {
  const response = await api.patch(`/api/latest/flow/${name}`, { data: { graph } });
  expect(response.status(), await response.text()).toBe(200);
}

async function startedTicks(flow: string) {
  const { rows } = await sql<{ fire_at: Date; execution_id: string; outcome: string }>`
    select t.fire_at, t.execution_id, t.outcome from schedule_ticks t
      join schedules s on s.id = t.schedule_id join flows f on f.id = s.flow_id
     where f.name = ${flow} order by t.fire_at`.execute(db);
  return rows;
}

test('the Schedules and Webhooks pages: next runs in both zones, last runs, and the switch', async ({
  page,
}) => {
  await createGraphFlow('nightly-report', {
    nodes: [
      {
        id: 'nightly',
        type: 'schedule',
        params: { cron: '0 2 * * *', timezone: 'America/New_York', enabled: false },
      },
      { id: 'hook', type: 'webhook', params: { name: 'report-now', enabled: true } },
      { id: 'done', type: 'end', params: { status: 'success', output: { ok: true } } },
    ],
    edges: [
      { source: 'nightly', target: 'done' },
      { source: 'hook', target: 'done' },
    ],
  });
  await signInAsAdmin(page);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
  const row = page.getByTestId('schedule-row').filter({ hasText: 'nightly-report' });
  await expect(row).toContainText('0 2 * * *');
  await expect(row).toContainText('Off');
  await row.getByRole('switch', { name: 'Schedule nightly of nightly-report' }).click();
  await expect(row.getByRole('switch')).toBeChecked();
  const runs = row.getByTestId('next-runs').locator('li');
  await expect(runs).toHaveCount(5);
  // 02:00 in New York, and the same moment in the browser's zone (Vienna: 08:00).
  await expect(runs.first()).toContainText(/02:00:00 EST|02:00:00 EDT/);
  await expect(runs.first()).toContainText(/08:00:00 GMT\+1 here|08:00:00 CET here/);
  await page.screenshot({ path: 'docs/schedules.png' });

  // The switch saved a new version with the node enabled.
  const flow = await (await api.get('/api/latest/flow/nightly-report')).json();
  expect(flow.version).toBe(2);
  expect(flow.graph.nodes.find((node: { id: string }) => node.id === 'nightly').params.enabled).toBe(true);

  // A webhook call shows on the Webhooks page.
  const called = await page.request.post('/api/latest/webhook/report-now/call', { data: {} });
  expect(called.status()).toBe(200);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
  const hook = page.getByTestId('webhook-row').filter({ hasText: 'report-now' });
  await expect(hook).toContainText('/api/latest/webhook/report-now/call');
  await expect(hook).toContainText('nightly-report');
  await expect(hook.getByTestId('webhook-calls').locator('[data-status="ENDED_SUCCESS"]')).toHaveCount(1);
  await page.screenshot({ path: 'docs/webhooks.png' });
  // The call opens as its flow's graph, lit by the run: the webhook that fired, the skipped schedule.
  await hook.getByTestId('webhook-calls').getByRole('link').first().click();
  await expect(page).toHaveURL(/\/executions\/[0-9a-f-]{36}$/);
  const node = (id: string) => page.getByTestId('run-canvas').locator(`[data-node-id="${id}"]`);
  await expect(node('hook')).toHaveAttribute('data-status', 'success');
  await expect(node('nightly')).toHaveAttribute('data-status', 'skipped');
  await expect(node('done')).toHaveAttribute('data-status', 'success');
  await page.goBack();
  await hook.getByRole('switch', { name: 'Webhook report-now' }).click();
  await expect(hook.getByRole('switch')).not.toBeChecked();
  expect((await page.request.post('/api/latest/webhook/report-now/call', { data: {} })).status()).toBe(404);
});

test('the inspector shows a schedule node’s next runs as it is edited, and names a bad cron field', async ({
  page,
}) => {
  await createGraphFlow('edited-schedule', scheduledGraph({ cron: '0 9 * * MON-FRI', enabled: false }));
  await signInAsAdmin(page);
  await page.goto('/flows/edited-schedule');
  await page.locator('.react-flow__node').filter({ hasText: 'Schedule' }).click();
  const inspector = page.getByTestId('inspector');
  const nextRuns = inspector.getByTestId('schedule-next-runs');
  await expect(nextRuns.locator('li')).toHaveCount(5);
  await expect(nextRuns.locator('li').first()).toContainText('09:00:00 UTC');
  const cron = inspector.getByLabel('Cron');
  await cron.fill('0 25 * * *');
  await expect(nextRuns).toContainText("hour field '25'");
  await expect(inspector).toContainText("tick.params.cron: hour field '25'");
  await cron.fill('*/15 * * * * *');
  await expect(nextRuns.locator('li')).toHaveCount(5);
  await expect(nextRuns).toContainText('6 fields: the first is seconds.');
  await expect(inspector).not.toContainText("hour field '25'");
  await page.screenshot({ path: 'docs/schedule-inspector.png' });
});

/** A second Flowline app process on the same database (its own port and data directory). */
function spawnApp(databaseUrl: string, port: number): { child: ChildProcess; ready: Promise<void> } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowline-app-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      FLOWLINE_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('[flowline] ready')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the second app exited (${code}):\n${output}`)));
  });
  child.once('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
  return { child, ready };
}

test('a schedule every second, with two app processes and two workers: each tick runs exactly once', async ({
  baseURL,
}) => {
  test.setTimeout(180_000);
  const databaseUrl = fs.readFileSync(E2E_DATABASE_FILE, 'utf8');
  const second = spawnApp(databaseUrl, Number(new URL(baseURL!).port) + 50);
  const workers: WorkerProcess[] = [spawnWorker(databaseUrl), spawnWorker(databaseUrl)];
  try {
    await Promise.all([second.ready, ...workers.map((worker) => worker.ready)]);
    await createGraphFlow('every-second', scheduledGraph({ overlap: 'allow', enabled: true }));
    await expect
      .poll(async () => (await startedTicks('every-second')).length, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(10);
    await saveGraph('every-second', scheduledGraph({ overlap: 'allow', enabled: false }));

    const ticks = await startedTicks('every-second');
    const seconds = ticks.map((tick) => tick.fire_at.getTime() / 1000);
    // Every second from the first tick to the last, none twice, none skipped or missed.
    expect(seconds).toEqual(seconds.map((_, at) => (seconds[0] as number) + at));
    expect(ticks.every((tick) => tick.outcome === 'started')).toBe(true);
    const { rows: runs } = await sql<{ scheduled_at: string; n: number }>`
      select e.input->>'scheduled_at' as scheduled_at, count(*)::int as n from executions e
       where e.type = 'FLOW' and e.started_by->>'kind' = 'schedule' and e.name = 'every-second'
       group by 1 order by 1`.execute(db);
    expect(runs.map((run) => [new Date(run.scheduled_at).getTime() / 1000, run.n])).toEqual(
      seconds.map((second) => [second, 1]),
    );
  } finally {
    second.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.stop()));
  }
});
