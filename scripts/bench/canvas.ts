/**
 * P4: the graph editor with a 1,000-node flow, in a real browser. Builds and serves nothing itself:
 * given the app's base URL and a signed-in Playwright page, it saves a 1,000-node graph flow through
 * tRPC (from the page, with the session), opens its editor and measures
 *
 * - `P4_open_ms`: from the navigation's start until the nodes are drawn and measured (React Flow shows
 *   a node only once it has its size, so a visible node is an interactive one);
 * - `P4_frame_ms`: the median time between animation frames while a node is dragged for about 2 s
 *   (requestAnimationFrame in the page; 16.7 ms is 60 fps).
 *
 * Run it with `measureCanvas(page, baseURL)` from a Playwright script or spec against `next build`'s
 * output (see docs/canvas.md for how the figures were taken).
 */
import type { Page } from '@playwright/test';

export const P4_NODES = 1000;
const COLUMNS = 40;

/** A 40 × 25 grid of flow nodes, each row a chain, every fifth node also feeding the row below. */
export function benchGraph(nodes = P4_NODES) {
  const id = (i: number) => `n${i}`;
  const rows = Math.ceil(nodes / COLUMNS);
  const graphNodes = Array.from({ length: nodes }, (_, i) => ({
    id: id(i),
    type: 'flow',
    position: { x: (i % COLUMNS) * 280, y: Math.floor(i / COLUMNS) * 120 },
    params: {
      flow: 'bench-target',
      input: { from: i % COLUMNS === 0 ? '{{ input }}' : `{{ ${id(i - 1)}.output }}` },
    },
  }));
  const edges: { source: string; sourceHandle: 'out'; target: string }[] = [];
  for (let i = 0; i < nodes; i++) {
    const column = i % COLUMNS;
    const row = Math.floor(i / COLUMNS);
    if (column > 0) edges.push({ source: id(i - 1), sourceHandle: 'out', target: id(i) });
    if (column > 0 && column % 5 === 0 && row + 1 < rows && i + COLUMNS < nodes)
      edges.push({ source: id(i - 1), sourceHandle: 'out', target: id(i + COLUMNS) });
  }
  return { nodes: graphNodes, edges };
}

/** A tRPC mutation from the page (same origin, the session's cookie), superjson-framed. */
async function mutate(page: Page, path: string, input: unknown): Promise<unknown> {
  return page.evaluate(
    async ({ path, input }) => {
      const response = await fetch(`/api/trpc/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ json: input }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body).slice(0, 500)}`);
      return body;
    },
    { path, input },
  );
}

export async function measureCanvas(page: Page, baseURL: string): Promise<Record<string, number>> {
  const name = `bench-canvas-${Date.now()}`;
  await page.goto(`${baseURL}/flows`);
  await mutate(page, 'flows.create', { name: 'bench-target', kind: 'code' }).catch(() => null); // may exist
  await mutate(page, 'flows.create', { name, kind: 'graph' });
  await mutate(page, 'flows.saveGraph', { name, graph: benchGraph() });

  // Open: navigation start → the first node drawn with its size, all cards of the view drawn.
  await page.goto(`${baseURL}/flows/${encodeURIComponent(name)}`);
  const openMs = await page.waitForFunction(
    () => {
      const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node')];
      const shown = nodes.filter((node) => node.style.visibility !== 'hidden');
      return shown.length > 0 && shown.length === nodes.length ? performance.now() : false;
    },
    undefined,
    { polling: 'raf', timeout: 30_000 },
  );
  const P4_open_ms = Math.round((await openMs.jsonValue()) as number);

  // Drag the node in the middle of the view for about 2 s, recording the time between frames.
  const pane = (await page.locator('.react-flow__pane').boundingBox())!;
  const targetId = await page.evaluate(
    ({ x, y }) => {
      for (let dx = 0; dx < 300; dx += 10) {
        const hit = document.elementFromPoint(x + dx, y)?.closest<HTMLElement>('.react-flow__node');
        if (hit) return hit.dataset.id;
      }
      return null;
    },
    { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 },
  );
  if (!targetId) throw new Error('P4: no node in the middle of the view to drag');
  const target = page.locator(`.react-flow__node[data-id="${targetId}"]`);
  const box = (await target.boundingBox())!;
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__frames = [];
    w.__recording = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.__frames.push(now - last);
      last = now;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const start = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  const began = Date.now();
  for (let step = 0; Date.now() - began < 2000; step++) {
    const angle = step / 10;
    await page.mouse.move(start.x + 150 * Math.sin(angle), start.y + 80 * Math.sin(angle / 2));
  }
  await page.mouse.up();
  // The drag ends as one move in the model: the editor has unsaved changes (the node may be out of view now).
  await page.getByTestId('unsaved').waitFor({ timeout: 5000 });
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames.slice(1);
  });
  const sorted = [...frames].sort((a, b) => a - b);
  const P4_frame_ms = Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 10) / 10;
  const p95 = Math.round((sorted[Math.floor(sorted.length * 0.95)] ?? 0) * 10) / 10;
  return { P4_open_ms, P4_frame_ms, P4_frame_p95_ms: p95, P4_frames: frames.length };
}

/**
 * P4 from the bench: headless Chromium (Debian's, as the browser tests use) against the running app,
 * signed in with the given account. Undefined when there is no Chromium on the machine.
 */
export async function measureCanvasInChromium(
  baseURL: string,
  account: { email: string; password: string },
  log: (line: string) => void,
): Promise<Record<string, number> | undefined> {
  const executablePath = '/usr/bin/chromium';
  const { existsSync } = await import('node:fs');
  if (!existsSync(executablePath)) {
    log('P4 skipped: no Chromium at /usr/bin/chromium');
    return undefined;
  }
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // tsx (which runs the bench) names functions with a `__name` helper, also those sent to the page.
    await page.addInitScript({ content: 'globalThis.__name = (target) => target;' });
    await page.goto(`${baseURL}/signin`);
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/flows$/);
    const figures = await measureCanvas(page, baseURL);
    log(
      `P4 a ${P4_NODES}-node graph: opens in ${figures.P4_open_ms} ms, drags at ${figures.P4_frame_ms} ms a frame`,
    );
    return figures;
  } finally {
    await browser.close();
  }
}
