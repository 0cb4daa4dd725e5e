import crypto from 'node:crypto';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  BUSY_CLOCK_READS,
  chachaBlock,
  installDeterminism,
  keyFromSeed,
  RandomStream,
  ReplayClock,
  ReplaySchedule,
} from './determinism';

describe('ChaCha20', () => {
  it("matches RFC 8439's block test vector (§2.3.2)", () => {
    const key = new Uint32Array(new Uint8Array(Array.from({ length: 32 }, (_, i) => i)).buffer);
    const nonce = new Uint32Array(new Uint8Array([0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0]).buffer);
    const block = Buffer.from(chachaBlock(key, 1, nonce).buffer).toString('hex');
    expect(block.slice(0, 32)).toBe('10f1e7e4d13b5915500fdd1fa32071c4');
    expect(block.slice(-32)).toBe('b5129cd1de164eb9cbd083e8a2503c4e');
  });

  it("equals OpenSSL's key stream for the same key and stream", () => {
    const key = keyFromSeed(crypto.randomUUID(), crypto.randomUUID());
    const stream = new RandomStream(key, 7);
    const ours = new Uint8Array(256);
    stream.fill(ours);
    // OpenSSL's IV: the 32-bit block counter (little-endian), then the 96-bit nonce.
    const iv = Buffer.alloc(16);
    iv.writeUInt32LE(7, 4);
    const cipher = crypto.createCipheriv('chacha20', Buffer.from(key.buffer), iv);
    expect(Buffer.from(ours).toString('hex')).toBe(cipher.update(Buffer.alloc(256)).toString('hex'));
  });
});

/** A fresh realm with the determinism installed, as the runner does for each job. */
function realm(seed: string, startMs: number) {
  const context = vm.createContext({ setTimeout, setInterval });
  const globals = vm.runInContext('globalThis', context) as Parameters<typeof installDeterminism>[0];
  const clock = new ReplayClock(startMs, () => Date.now());
  installDeterminism(globals, { clock, seed, executionId: '6f1c2d9e-0000-4000-8000-000000000001' });
  return { clock, run: (code: string) => vm.runInContext(code, context) as unknown };
}

describe('installDeterminism', () => {
  const seed = crypto.randomUUID();

  it('gives the same Math.random, getRandomValues and randomUUID for the same seed, others for another', () => {
    const draw = `[Math.random(), crypto.randomUUID(), Array.from(crypto.getRandomValues(new Uint8Array(8)))]`;
    const first = realm(seed, 0).run(draw);
    expect(realm(seed, 0).run(draw)).toEqual(first);
    expect(realm(crypto.randomUUID(), 0).run(draw)).not.toEqual(first);
    expect((first as [number, string])[1]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('reads "now" from the clock and leaves dates made from values alone', () => {
    const { clock, run } = realm(seed, Date.UTC(2026, 0, 2));
    expect(run('Date.now()')).toBe(Date.UTC(2026, 0, 2));
    expect(run('new Date().toISOString()')).toBe('2026-01-02T00:00:00.000Z');
    expect(run('typeof Date()')).toBe('string');
    expect(run('new Date(0).getTime()')).toBe(0);
    expect(run('Date.UTC(2000, 0, 1)')).toBe(Date.UTC(2000, 0, 1));
    expect(run('new Date() instanceof Date')).toBe(true);
    expect(run('class Later extends Date {}; new Later().getTime()')).toBe(Date.UTC(2026, 0, 2));
    clock.advanceTo(Date.UTC(2026, 0, 3));
    expect(run('Date.now()')).toBe(Date.UTC(2026, 0, 3));
    clock.advanceTo(0);
    expect(run('Date.now()')).toBe(Date.UTC(2026, 0, 3)); // never back
  });

  it("moves the clock by a timer's delay when it fires", async () => {
    const { run } = realm(seed, 1000);
    const fired = run(
      'new Promise((resolve) => setTimeout(() => resolve(Date.now()), 20))',
    ) as Promise<number>;
    expect(await fired).toBe(1020);
  });

  it('fails a busy wait on the clock with an error pointing to this.sleep(), and goes on failing it', () => {
    const { run } = realm(seed, 0);
    expect(() => run('const t = Date.now(); while (Date.now() - t < 4000) {}')).toThrow(/this\.sleep\(/);
    expect(() => run('Date.now()')).toThrow(/this\.sleep\(/);
    // Reading it often but not waiting for it is fine, up to the limit.
    const { run: again } = realm(seed, 0);
    expect(again(`let n = 0; for (let i = 0; i < ${BUSY_CLOCK_READS}; i++) n += Date.now(); n`)).toBe(0);
  });

  it('leads no way back to the real clock through a date', () => {
    const { run } = realm(seed, 5);
    expect(run('new (new Date().constructor)().getTime()')).toBe(5);
    expect(run('Date.prototype.constructor.now()')).toBe(5);
    expect(run('typeof Object.getPrototypeOf(Date).now')).toBe('undefined');
    expect(run('Date.now = () => 1; Date.now()')).toBe(5);
  });
});

describe('ReplaySchedule', () => {
  const real = {
    setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
    clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    setImmediate: (callback: () => void) => setImmediate(callback),
  };

  it('delivers recorded answers in the order the first run received them, whatever order they arrive in', async () => {
    const clock = new ReplayClock(0, () => Date.now());
    const schedule = new ReplaySchedule(
      clock,
      [
        { seq: 2, at: 100 },
        { seq: 1, at: 500 },
      ],
      real,
      () => {},
    );
    const order: string[] = [];
    const first = schedule.deliver(1).then(() => order.push(`1@${clock.peek()}`));
    const second = schedule.deliver(2).then(() => order.push(`2@${clock.peek()}`));
    const live = schedule.deliver(3).then(() => order.push('3 (beyond the journal)'));
    await Promise.all([first, second, live]);
    expect(order).toEqual(['2@100', '1@500', '3 (beyond the journal)']);
    expect(schedule.replaying).toBe(false);
  });

  it('fires the timers due before an answer first, by the replayed clock', async () => {
    const clock = new ReplayClock(1000, () => Date.now());
    const schedule = new ReplaySchedule(clock, [{ seq: 1, at: 1500 }], real, () => {});
    const order: string[] = [];
    schedule.setTimer(() => order.push(`timer@${clock.peek()}`), 100, null);
    await schedule.deliver(1).then(() => order.push(`answer@${clock.peek()}`));
    expect(order).toEqual(['timer@1100', 'answer@1500']);
  });
});
