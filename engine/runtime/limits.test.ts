/**
 * The size limits (docs/engine.md, "Limits"), at their defaults: log lines per execution and bytes per
 * line, outputs and inputs. The worker's own cap holds whatever the runner sends, and across replays.
 */
import { describe, expect, it } from 'vitest';
import { insertTestExecution, RETURNS_INPUT, setUpEngineTestbed } from '../../test/engine-testbed';
import { ConfigError, readEngineConfig } from '../config';
import { appendRunLogs, listLogs } from '../store/logs';
import { cutLogMessage, InputTooLargeError } from './limits';

const { db, run, runToEnd } = await setUpEngineTestbed({
  flows: {
    echo: RETURNS_INPUT,
    'big-output': `export default async function handler(this: any) { return 'x'.repeat(2 * 1024 * 1024); }`,
  },
});

const KiB = 1024;
const MiB = 1024 * KiB;

const messagesOf = async (id: string) =>
  (await listLogs(db, id, { limit: 30_000 })).map((line) => line.message);

describe('log lines per execution', () => {
  it('stores at most 10,000 lines of a flow that logs 20,000, then one warning and the count', async () => {
    const ended = await runToEnd(
      'logs-20000',
      `export default async function handler(this: any) {
        const lines = [];
        for (let i = 0; i < 20000; i++) lines.push(this.log('line', i));
        await Promise.all(lines);
        return 'logged';
      }`,
    );
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'logged' });
    const messages = await messagesOf(ended.id);
    expect(messages).toHaveLength(10_002);
    expect(messages.slice(0, 10_000)).toEqual(Array.from({ length: 10_000 }, (_, i) => `line ${i}`));
    expect(messages[10_000]).toContain('logged more than 10000 lines: later lines are dropped');
    expect(messages[10_001]).toBe('10000 log lines were dropped (limit 10000)');
  }, 120_000);

  it('keeps the cap and the numbering across a replay: lines before a durable sleep are not counted twice', async () => {
    const ended = await runToEnd(
      'logs-across-sleep',
      `export default async function handler(this: any) {
        const before = [];
        for (let i = 0; i < 6000; i++) before.push(this.log('a', i));
        await Promise.all(before);
        await this.sleep(2); // suspends: the next run replays from the top, sending the 6,000 again
        const after = [];
        for (let i = 0; i < 6000; i++) after.push(this.log('b', i));
        await Promise.all(after);
        return 'replayed';
      }`,
    );
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'replayed' });
    expect(ended.attempts).toBeGreaterThan(1);
    const messages = await messagesOf(ended.id);
    expect(messages).toEqual([
      ...Array.from({ length: 6000 }, (_, i) => `a ${i}`),
      ...Array.from({ length: 4000 }, (_, i) => `b ${i}`),
      expect.stringContaining('logged more than 10000 lines'),
      '2000 log lines were dropped (limit 10000)',
    ]);
  }, 120_000);

  it('writes the warning once and counts the dropped lines once when the first run already dropped some', async () => {
    const ended = await runToEnd(
      'drops-then-sleeps',
      `export default async function handler(this: any) {
        const before = [];
        for (let i = 0; i < 12000; i++) before.push(this.log('a', i));
        await Promise.all(before);
        await this.sleep(2);
        for (let i = 0; i < 10; i++) await this.log('b', i);
        return 'replayed';
      }`,
    );
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'replayed' });
    expect(ended.attempts).toBeGreaterThan(1);
    const messages = await messagesOf(ended.id);
    expect(messages).toEqual([
      ...Array.from({ length: 10_000 }, (_, i) => `a ${i}`),
      expect.stringContaining('logged more than 10000 lines'),
      // The ending run's 2,000 'a' lines beyond the cap and its 10 'b' lines: none counted twice.
      '2010 log lines were dropped (limit 10000)',
    ]);
  }, 120_000);
});

/** A RUNNING execution nobody runs, and the fence its (only) run would present. */
async function runningExecution() {
  const { id } = await insertTestExecution(db, {
    status: 'RUNNING',
    attempts: 1,
    worker_id: 'elsewhere',
    lease_until: new Date(Date.now() + 60_000),
  });
  return { id, fence: { executionId: id, attempt: 1 } };
}

describe('the database side of the cap (appendRunLogs)', () => {
  it("gives the room left to new lines only: a replay's repeats in the same batch take none of it", async () => {
    const { id, fence } = await runningExecution();
    const lines = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({
        seq: 0,
        line: from + i,
        level: 'info' as const,
        message: `line ${from + i}`,
      }));
    expect(await appendRunLogs(db, fence, lines(1, 8), { maxLines: 10 })).toEqual({ added: 8, present: 0 });
    // Lines 5 to 8 again (a replay), then 9 to 12: room for two, and they are 9 and 10.
    expect(await appendRunLogs(db, fence, lines(5, 12), { maxLines: 10 })).toEqual({ added: 2, present: 4 });
    expect(await messagesOf(id)).toEqual(lines(1, 10).map((line) => line.message));
  });

  it('counts what is stored, not what the runner numbers: unnumbered lines are capped too', async () => {
    const { id, fence } = await runningExecution();
    const unnumbered = Array.from({ length: 7 }, (_, i) => ({ level: 'info' as const, message: `u${i}` }));
    expect(await appendRunLogs(db, fence, unnumbered, { maxLines: 10 })).toEqual({ added: 7, present: 0 });
    expect(await appendRunLogs(db, fence, unnumbered, { maxLines: 10 })).toEqual({ added: 3, present: 0 });
    expect(await messagesOf(id)).toHaveLength(10);
  });
});

describe('bytes per log line', () => {
  it('cuts a 200 KiB line to 64 KiB, saying how much was cut', async () => {
    const ended = await runToEnd(
      'long-line',
      `export default async function handler(this: any) {
        await this.log('x'.repeat(200 * 1024));
        await this.log('short');
      }`,
    );
    expect(ended.status).toBe('ENDED_SUCCESS');
    const [long, short] = await messagesOf(ended.id);
    expect(Buffer.byteLength(long!)).toBeLessThanOrEqual(64 * KiB);
    const kept = long!.indexOf('…');
    expect(long!.slice(0, kept)).toBe('x'.repeat(kept));
    expect(long!.slice(kept)).toBe(`… (cut ${200 * KiB - kept} bytes)`);
    expect(short).toBe('short');
  });

  it('cuts between characters, never inside one', () => {
    const cut = cutLogMessage('é'.repeat(40_000), 64 * KiB); // 80,000 bytes of UTF-8
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(64 * KiB);
    expect(cut).not.toContain('\uFFFD');
    const kept = cut.indexOf('…');
    expect(cut.slice(kept)).toBe(`… (cut ${80_000 - 2 * kept} bytes)`);
    expect(cutLogMessage('short', 64 * KiB)).toBe('short');
  });
});

describe('outputs', () => {
  it('fail the execution when the return value is over 1 MiB, writing none of it', async () => {
    const ended = await runToEnd(
      'big-return',
      `export default async function handler(this: any) { return 'x'.repeat(2 * 1024 * 1024); }`,
    );
    expect(ended).toMatchObject({
      status: 'ENDED_ERROR',
      output: null,
      message: 'OutputTooLargeError: the output is 2 MiB, the most is 1 MiB (FLOWLINE_MAX_OUTPUT_BYTES)',
      error: { name: 'OutputTooLargeError' },
    });
  });

  it('fail the execution when setOutput makes the output too large, keeping what was set before', async () => {
    const ended = await runToEnd(
      'big-set-output',
      `export default async function handler(this: any, system: any) {
        await this.setOutput('a', 'x'.repeat(600 * 1024));
        await this.setOutput('b', 'y'.repeat(600 * 1024));
        await system.setting('after-' + this.id).save(true);
        return 'unreached';
      }`,
    );
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('OutputTooLargeError');
    expect(ended.message).toMatch(/^OutputTooLargeError: the output is 1\.2 MiB, the most is 1 MiB/);
    expect(Object.keys(ended.output as object)).toEqual(['a']);
    expect(await db.selectFrom('settings').where('name', '=', `after-${ended.id}`).execute()).toEqual([]);
  });

  it('fail the execution when a single setOutput value is over the limit, before the database sees it', async () => {
    const ended = await runToEnd(
      'huge-set-output',
      `export default async function handler(this: any) {
        await this.setOutput('a', new Array(600000).fill(0));
      }`,
    );
    // 1.1 MiB is the value's own JSON (1,200,001 bytes): the worker refused it. PostgreSQL, had it
    // been sent the value, would have measured the output as it prints it, "[0, 0, ...]": 1.7 MiB.
    expect(ended).toMatchObject({
      status: 'ENDED_ERROR',
      output: null,
      message: 'OutputTooLargeError: the output is 1.1 MiB, the most is 1 MiB (FLOWLINE_MAX_OUTPUT_BYTES)',
    });
  });

  it('fail the execution when save() is given an output over the limit', async () => {
    const ended = await runToEnd(
      'big-save',
      `export default async function handler(this: any) {
        await this.save({ output: { rows: 'r'.repeat(1024 * 1024) } });
        return 'unreached';
      }`,
    );
    expect(ended).toMatchObject({
      status: 'ENDED_ERROR',
      output: null,
      error: { name: 'OutputTooLargeError' },
    });
    expect(ended.message).toMatch(
      /^OutputTooLargeError: the output is 1048587 bytes, the most is 1048576 bytes/,
    );
  });

  it('fail the execution when success() is given a message over the limit', async () => {
    const ended = await runToEnd(
      'big-success',
      `export default async function handler(this: any) { return this.success('m'.repeat(1.5 * 1024 * 1024)); }`,
    );
    expect(ended).toMatchObject({
      status: 'ENDED_ERROR',
      message: 'OutputTooLargeError: the message is 1.5 MiB, the most is 1 MiB (FLOWLINE_MAX_OUTPUT_BYTES)',
    });
  });

  it("fail a child whose output is too large, and its parent learns it as the child's failure", async () => {
    const ended = await runToEnd(
      'big-child-parent',
      `export default async function handler(this: any) {
        try { await this.flow('big-output'); }
        catch (e: any) { return e.name + ': ' + e.message; }
      }`,
    );
    expect(ended.status).toBe('ENDED_SUCCESS');
    expect(ended.output).toMatch(
      /^DependencyFailedError: child execution 'big-output' .* failed: the output is 2 MiB, the most is 1 MiB/,
    );
  });
});

describe('inputs', () => {
  it('are refused at start when over 1 MiB, and nothing is written', async () => {
    const before = await db.selectFrom('executions').select(db.fn.countAll().as('n')).executeTakeFirst();
    const started = run('echo', 'x'.repeat(1.5 * MiB));
    await expect(started).rejects.toBeInstanceOf(InputTooLargeError);
    await expect(started).rejects.toThrow(
      'the input is 1.5 MiB, the most is 1 MiB (FLOWLINE_MAX_INPUT_BYTES)',
    );
    const after = await db.selectFrom('executions').select(db.fn.countAll().as('n')).executeTakeFirst();
    expect(after).toEqual(before);
  });

  it("are refused to a parent's child.start, waited for or not, as an error it can catch", async () => {
    const ended = await runToEnd(
      'big-child-input',
      `export default async function handler(this: any) {
        const big = 'x'.repeat(2 * 1024 * 1024);
        const names = [];
        for (const options of [{}, { wait: false }, { run: false }]) {
          try { await this.flow('echo', big, options); names.push('started'); }
          catch (e: any) { names.push(e.name + ': ' + e.message); }
        }
        return names;
      }`,
    );
    expect(ended.status).toBe('ENDED_SUCCESS');
    expect(ended.output).toEqual(
      Array(3).fill('InputTooLargeError: the input is 2 MiB, the most is 1 MiB (FLOWLINE_MAX_INPUT_BYTES)'),
    );
    expect(await db.selectFrom('executions').where('parent_id', '=', ended.id).execute()).toEqual([]);
  });
});

describe('the limits as settings', () => {
  const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;

  it('are read from the environment, and a bad value names its variable', () => {
    expect(readEngineConfig(env({ FLOWLINE_MAX_LOG_LINES: '500' })).limits).toEqual({
      maxLogLines: 500,
      maxLogLineBytes: 64 * KiB,
      maxOutputBytes: MiB,
      maxInputBytes: MiB,
    });
    expect(() => readEngineConfig(env({ FLOWLINE_MAX_OUTPUT_BYTES: '10' }))).toThrow(ConfigError);
    expect(() => readEngineConfig(env({ FLOWLINE_MAX_OUTPUT_BYTES: '10' }))).toThrow(
      /FLOWLINE_MAX_OUTPUT_BYTES/,
    );
  });
});
