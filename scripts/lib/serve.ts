import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import next from 'next';
import { readWebConfig } from '../../server/config';
import { registerLocalWorker } from '../../engine/runtime/local-worker';
import { Worker } from '../../engine/runtime/worker';
import { loadSecretKey } from '../../engine/secrets/secrets';
import { bootstrap, onShutdown } from './bootstrap';

const root = path.resolve(import.meta.dirname, '..', '..');

/**
 * Flowline in one process: database (embedded when DATABASE_URL is unset), migrations, the Next.js
 * app (built first when there is no build) and, from the engine issue on, a worker.
 */
export async function serve(options: { dev: boolean; onStop?: () => Promise<void> }): Promise<void> {
  const shutdown = onShutdown();
  const { config, database } = await bootstrap();
  shutdown.add(() => database.stop());
  if (options.onStop) shutdown.add(options.onStop);
  const web = readWebConfig(config.dataDir);
  // Next.js and NextAuth read these from the environment.
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    NEXTAUTH_SECRET: web.nextAuthSecret,
    NEXTAUTH_URL: web.nextAuthUrl,
    FLOWLINE_DATA_DIR: config.dataDir,
  });

  if (!options.dev && !fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) buildApp();

  const app = next({ dev: options.dev, dir: root, hostname: 'localhost', port: web.port });
  await app.prepare();
  shutdown.add(() => app.close());
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    if (refuseMalformedPath(req, res)) return;
    recordClientAddress(req);
    void handle(req, res);
  });
  // Keep idle client connections longer than the usual proxies and HTTP clients do (60 s), so the server
  // is never the side that closes a socket a client is just reusing (that race answers ECONNRESET).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(web.port, resolve);
  });
  shutdown.add(() => new Promise((resolve) => server.close(resolve)));

  // One worker inside the app process (more can run beside it: `npm run worker`).
  const worker = await Worker.start({
    databaseUrl: database.url,
    concurrency: config.workerConcurrency,
    maxRunners: config.workerMaxRunners,
    maxTreeDepth: config.maxTreeDepth,
    runCpuSeconds: config.runCpuSeconds,
    secretKey: await loadSecretKey(config),
    log: (line) => console.log(`[worker] ${line}`),
  });
  registerLocalWorker(worker);
  shutdown.add(async () => {
    registerLocalWorker(undefined);
    await worker.stop({ graceMs: 10_000 });
  });
  // Ready once it runs executions too: a request that waits can run its execution right here from then on.
  console.log(`[flowline] ready on ${web.nextAuthUrl}`);
}

function buildApp(): void {
  console.log('[flowline] no production build yet: building (about half a minute)');
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('next build failed');
}

/**
 * Next.js decodes the path before any of our code (proxy.ts included) runs, and answers a malformed
 * percent escape (`%ff`, an overlong `%C0%AE`) with a plain-text 500. It is the client's mistake: 400,
 * in JSON like every API answer. The query string is not checked: it is decoded leniently.
 */
function refuseMalformedPath(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    const error = {
      code: 'invalid_request',
      message: 'The request path has a malformed percent escape (each %XX must encode UTF-8)',
      path: 'path',
    };
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error }));
    return true;
  }
}

/**
 * Appends the peer's own address to X-Forwarded-For, so the last entry (which the sign-in rate limit
 * reads) is one the client cannot choose; a forwarded chain from a proxy in front stays before it.
 */
function recordClientAddress(req: http.IncomingMessage): void {
  const peer = req.socket.remoteAddress;
  if (!peer) return;
  const forwarded = req.headers['x-forwarded-for'];
  const chain = Array.isArray(forwarded) ? forwarded.join(', ') : forwarded;
  req.headers['x-forwarded-for'] = chain ? `${chain}, ${peer}` : peer;
}
