/**
 * What makes a replay see what the first run saw (docs/engine.md §4, "Replay"): the clock, randomness
 * and timers of user code, replaced inside the user's realm. Bundled into the runner with the flow API
 * and evaluated in the user's own realm (so its errors are the realm's own); it uses nothing but the
 * language itself, so an isolate without Node can evaluate it the same way.
 *
 * - The clock stands still between journaled steps (as in Temporal): it reads the time the journal
 *   recorded for the step that began the current stretch (the run's start for the first), so a
 *   replay reads exactly what the first run read. Timers advance it by their own delay when they fire.
 *   A loop that waits for it to move (`while (Date.now() - t < 4000) {}`) would never end: once it has
 *   been read BUSY_CLOCK_READS times over BUSY_CLOCK_MS of real time without moving, reading it throws
 *   BusyWaitError (and goes on throwing), pointing to `this.sleep()`, and the execution ends with it.
 * - A replay delivers the recorded answers in the order the first run received them, each in a turn
 *   of its own, and fires the timers due before each (ReplaySchedule): calls made at once
 *   (`Promise.all`) and timers racing answers take the same course, so get the same step numbers.
 * - Math.random, crypto.getRandomValues and crypto.randomUUID draw from ChaCha20 keyed by the
 *   execution's secret seed: the same on every replay, unpredictable to anyone without the seed.
 */

/** Reads of a clock that has not moved, over BUSY_CLOCK_MS of real time, after which reading it throws. */
export const BUSY_CLOCK_READS = 100_000;
export const BUSY_CLOCK_MS = 1_000;

export class ReplayClock {
  private current: number;
  private reads = 0;
  private stillSince: number;
  private busy: Error | undefined;

  constructor(
    startMs: number,
    /** The real clock, kept apart from the one user code reads. */
    private readonly realNow: () => number,
    /** Told once when user code waits for the clock in a loop (the execution is to end with it). */
    private readonly onBusyWait: (error: Error) => void = () => {},
  ) {
    this.current = startMs;
    this.stillSince = realNow();
  }

  /** The time user code sees. */
  now(): number {
    if (this.busy) throw this.busy;
    this.reads += 1;
    if (this.reads >= BUSY_CLOCK_READS && this.realNow() - this.stillSince >= BUSY_CLOCK_MS) {
      const error = new Error(
        `the clock was read ${this.reads.toLocaleString('en')} times over ${BUSY_CLOCK_MS / 1000} s without moving: ` +
          'in a flow it stands still between flow API calls (so that a replay reads the same time), so a ' +
          'loop that waits for it never ends. To wait, use `await this.sleep(seconds)`.',
      );
      error.name = 'BusyWaitError';
      this.busy = error;
      this.onBusyWait(error);
      throw error;
    }
    return this.current;
  }

  /** The current reading without counting it (for the engine's own use). */
  peek(): number {
    return this.current;
  }

  /** A journaled step's recorded time, or a timer's due time: the clock never goes back. */
  advanceTo(ms: number): void {
    if (Number.isFinite(ms) && ms > this.current) this.current = ms;
    this.reads = 0;
    this.stillSince = this.realNow();
  }
}

/** A recorded answer: its step number and the time the journal recorded for it. */
export type ScheduledAnswer = { seq: number; at: number };

type RealTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** The next turn of the event loop, after every pending microtask. */
  setImmediate(callback: () => void): unknown;
};

type VirtualTimer = { due: number; every: number | null; run: () => void; handle: unknown; cleared: boolean };

/** How long a replay may wait for a call the first run made before it gives up (the code went another way). */
export const REPLAY_STALL_MS = 5_000;

/**
 * The order of a replay. The first run received its answers in the order of their recorded times; a
 * replay has them all at once. So recorded answers are delivered one per turn of the event loop (the
 * continuation of one runs, and makes its next calls, before the next is delivered), in recorded order,
 * and the timers due before each answer fire first, by the same clock. Answers the journal does not
 * hold (calls beyond the first run) wait until the replay is over, and timers run by real time again.
 * Should the replay wait REPLAY_STALL_MS for a call the first run made and this one never makes, it
 * reports the step (`onStall`): the code went another way.
 */
export class ReplaySchedule {
  private next = 0;
  /** Recorded answers not yet delivered, by step number. */
  private readonly pending: Set<number>;
  private readonly arrived = new Map<number, () => void>();
  private readonly live: Array<() => void> = [];
  private readonly timers: VirtualTimer[] = [];
  private turnPending = false;
  private stallTimer: unknown;

  constructor(
    private readonly clock: ReplayClock,
    private readonly answers: readonly ScheduledAnswer[],
    private readonly real: RealTimers,
    private readonly onStall: (waitingFor: ScheduledAnswer) => void,
  ) {
    this.pending = new Set(answers.map((answer) => answer.seq));
    this.scheduleTurn();
  }

  get replaying(): boolean {
    return this.next < this.answers.length;
  }

  /** Resolves when the answer to call `seq`, which has arrived, may reach user code. */
  deliver(seq: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.pending.has(seq)) {
        this.arrived.set(seq, resolve);
        this.scheduleTurn();
      } else if (this.replaying) this.live.push(resolve);
      else resolve();
    });
  }

  /** A timer user code set: by the replay's clock while replaying, by real time after. */
  setTimer(run: () => void, ms: number, every: number | null): VirtualTimer {
    const timer: VirtualTimer = {
      due: this.clock.peek() + ms,
      every,
      run,
      handle: undefined,
      cleared: false,
    };
    if (this.replaying) {
      this.timers.push(timer);
      this.scheduleTurn();
    } else this.armReal(timer);
    return timer;
  }

  clearTimer(timer: VirtualTimer): void {
    timer.cleared = true;
    if (timer.handle !== undefined) this.real.clearTimeout(timer.handle);
  }

  private armReal(timer: VirtualTimer): void {
    const delay = Math.max(0, timer.every ?? timer.due - this.clock.peek());
    timer.handle = this.real.setTimeout(() => this.fire(timer), delay);
  }

  private fire(timer: VirtualTimer): void {
    if (timer.cleared) return;
    this.clock.advanceTo(timer.due);
    if (timer.every !== null) {
      timer.due += Math.max(1, timer.every);
      if (this.replaying) this.timers.push(timer);
      else this.armReal(timer);
    }
    timer.run();
  }

  private scheduleTurn(): void {
    if (this.turnPending) return;
    this.turnPending = true;
    this.real.setImmediate(() => {
      this.turnPending = false;
      this.turn();
    });
  }

  /** One step of the replay: a due timer, or the next recorded answer once it has arrived. */
  private turn(): void {
    this.real.clearTimeout(this.stallTimer);
    if (!this.replaying) {
      for (const resolve of this.live.splice(0)) resolve();
      for (const timer of this.timers.splice(0)) if (!timer.cleared) this.armReal(timer);
      return;
    }
    const answer = this.answers[this.next] as ScheduledAnswer;
    const due = this.timers
      .filter((timer) => !timer.cleared && timer.due <= answer.at)
      .sort((a, b) => a.due - b.due)[0];
    if (due) {
      this.timers.splice(this.timers.indexOf(due), 1);
      this.fire(due);
      this.scheduleTurn();
      return;
    }
    const resolve = this.arrived.get(answer.seq);
    if (!resolve) {
      this.stallTimer = this.real.setTimeout(() => this.onStall(answer), REPLAY_STALL_MS);
      return;
    }
    this.arrived.delete(answer.seq);
    this.pending.delete(answer.seq);
    this.next += 1;
    this.clock.advanceTo(answer.at);
    resolve();
    this.scheduleTurn();
  }
}

// ---------------------------------------------------------------- ChaCha20 (RFC 8439), as a DRBG

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

function quarterRound(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  x[a] = (x[a]! + x[b]!) | 0;
  x[d] = rotl(x[d]! ^ x[a]!, 16);
  x[c] = (x[c]! + x[d]!) | 0;
  x[b] = rotl(x[b]! ^ x[c]!, 12);
  x[a] = (x[a]! + x[b]!) | 0;
  x[d] = rotl(x[d]! ^ x[a]!, 8);
  x[c] = (x[c]! + x[d]!) | 0;
  x[b] = rotl(x[b]! ^ x[c]!, 7);
}

/** One ChaCha20 block: 16 little-endian words of key stream for (key, counter, nonce). */
export function chachaBlock(key: Uint32Array, counter: number, nonce: Uint32Array): Uint32Array {
  const state = new Uint32Array(16);
  state.set(SIGMA, 0);
  state.set(key, 4);
  state[12] = counter;
  state.set(nonce, 13);
  const working = state.slice();
  for (let round = 0; round < 10; round++) {
    quarterRound(working, 0, 4, 8, 12);
    quarterRound(working, 1, 5, 9, 13);
    quarterRound(working, 2, 6, 10, 14);
    quarterRound(working, 3, 7, 11, 15);
    quarterRound(working, 0, 5, 10, 15);
    quarterRound(working, 1, 6, 11, 12);
    quarterRound(working, 2, 7, 8, 13);
    quarterRound(working, 3, 4, 9, 14);
  }
  for (let index = 0; index < 16; index++) working[index] = (working[index]! + state[index]!) | 0;
  return working;
}

/** A deterministic stream of random words: ChaCha20's key stream for a key and a stream number. */
export class RandomStream {
  private readonly nonce: Uint32Array;
  private block: Uint32Array = new Uint32Array(0);
  private used = 0;
  private counter = 0;

  constructor(
    private readonly key: Uint32Array,
    stream: number,
  ) {
    this.nonce = new Uint32Array([stream, 0, 0]);
  }

  nextUint32(): number {
    if (this.used >= this.block.length) {
      this.block = chachaBlock(this.key, this.counter, this.nonce);
      this.counter = (this.counter + 1) >>> 0;
      this.used = 0;
    }
    return this.block[this.used++]! >>> 0;
  }

  /** A float in [0, 1) with 53 random bits, as Math.random gives. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  fill(bytes: Uint8Array): void {
    for (let index = 0; index < bytes.length; index += 4) {
      const word = this.nextUint32();
      for (let shift = 0; shift < 4 && index + shift < bytes.length; shift++) {
        bytes[index + shift] = (word >>> (8 * shift)) & 0xff;
      }
    }
  }
}

/** A 256-bit key from the execution's seed (a UUID: 16 bytes) and its id (16 more). */
export function keyFromSeed(seed: string, executionId: string): Uint32Array {
  const hex = (seed + executionId)
    .replace(/[^0-9a-f]/gi, '')
    .padEnd(64, '0')
    .slice(0, 64);
  const key = new Uint32Array(8);
  for (let word = 0; word < 8; word++) {
    // little-endian words, as RFC 8439 reads its key bytes
    let value = 0;
    for (let byte = 3; byte >= 0; byte--) {
      value = (value << 8) | parseInt(hex.slice((word * 4 + byte) * 2, (word * 4 + byte) * 2 + 2), 16);
    }
    key[word] = value >>> 0;
  }
  return key;
}

// ---------------------------------------------------------------- the realm's globals

const INTEGER_ARRAYS = new Set([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
]);

type TimerFunction = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown;

export type RealmGlobals = {
  Date: DateConstructor;
  Math: Math;
  crypto?: { subtle?: unknown };
  setTimeout?: TimerFunction;
  setInterval?: TimerFunction;
  setImmediate?: (callback: () => void) => unknown;
  clearTimeout?: (handle: unknown) => void;
  clearInterval?: (handle: unknown) => void;
};

/**
 * Replaces the clock, randomness and timers of the realm whose globals these are (the user's realm:
 * call it from code evaluated there, before any user code runs). Dates made from a value
 * (`new Date(2024, 0, 1)`, `Date.parse`) are untouched; only readings of "now" come from the clock. User
 * code that sets out to undo the replacement (say, by digging the realm's own Date out of a frame of
 * another realm) is not supported: its replays may differ.
 */
export function installDeterminism(
  realm: RealmGlobals,
  options: {
    clock: ReplayClock;
    seed: string;
    executionId: string;
    schedule?: ReplaySchedule;
  },
): void {
  const { clock, schedule } = options;
  const key = keyFromSeed(options.seed, options.executionId);
  const mathStream = new RandomStream(key, 1);
  const cryptoStream = new RandomStream(key, 2);

  const OriginalDate = realm.Date;
  function ReplayDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new OriginalDate(clock.now()).toString();
    const values = args.length === 0 ? [clock.now()] : args;
    return Reflect.construct(OriginalDate, values, new.target) as unknown;
  }
  const fixed = { writable: false, configurable: false, enumerable: false };
  Object.defineProperty(ReplayDate, 'prototype', { ...fixed, value: OriginalDate.prototype });
  Object.defineProperty(ReplayDate, 'name', { value: 'Date' });
  Object.defineProperty(ReplayDate, 'now', { ...fixed, value: () => clock.now() });
  Object.defineProperty(ReplayDate, 'parse', { ...fixed, value: OriginalDate.parse });
  Object.defineProperty(ReplayDate, 'UTC', { ...fixed, value: OriginalDate.UTC });
  // `new Date().constructor` leads to this Date, not to the original one (and its real clock).
  Object.defineProperty(OriginalDate.prototype, 'constructor', {
    value: ReplayDate,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  realm.Date = ReplayDate as unknown as DateConstructor;

  realm.Math.random = () => mathStream.nextFloat();

  const getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
    // By tag, not instanceof: the array may come from another realm than this code.
    const tag = Object.prototype.toString.call(array).slice(8, -1);
    const integerArray = ArrayBuffer.isView(array) && INTEGER_ARRAYS.has(tag);
    if (!integerArray) throw new TypeError('crypto.getRandomValues: an integer typed array is needed');
    if (array.byteLength > 65536) {
      throw new RangeError('crypto.getRandomValues: at most 65536 bytes at once');
    }
    const view = array as ArrayBufferView;
    cryptoStream.fill(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return array;
  };
  const randomUUID = (): string => {
    const bytes = new Uint8Array(16);
    cryptoStream.fill(bytes);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  realm.crypto = { subtle: realm.crypto?.subtle, getRandomValues, randomUUID } as RealmGlobals['crypto'];

  if (schedule) installScheduledTimers(realm, schedule);
  else installClockTimers(realm, clock);
}

/** Timers through the replay schedule: while replaying, they fire in the recorded course of events. */
function installScheduledTimers(realm: RealmGlobals, schedule: ReplaySchedule): void {
  const timers = new WeakSet<object>();
  const timer =
    (repeat: boolean): TimerFunction =>
    (callback, ms, ...args) => {
      if (typeof callback !== 'function') throw new TypeError('the callback must be a function');
      const delay = Math.max(0, Number(ms) || 0);
      const handle = schedule.setTimer(() => callback(...args), delay, repeat ? delay : null);
      timers.add(handle);
      return handle;
    };
  const originalClearTimeout = realm.clearTimeout;
  const clear = (handle: unknown) => {
    if (typeof handle === 'object' && handle !== null && timers.has(handle)) {
      schedule.clearTimer(handle as Parameters<ReplaySchedule['clearTimer']>[0]);
    } else originalClearTimeout?.(handle);
  };
  realm.setTimeout = timer(false);
  realm.setInterval = timer(true);
  realm.clearTimeout = clear;
  realm.clearInterval = clear;
}

/** Timers that move the clock by their own delay when they fire (no schedule: nothing to replay). */
function installClockTimers(realm: RealmGlobals, clock: ReplayClock): void {
  const setTimeoutOf = realm.setTimeout;
  if (setTimeoutOf) {
    realm.setTimeout = (callback, ms, ...args) => {
      const due = clock.peek() + Math.max(0, Number(ms) || 0);
      return setTimeoutOf(
        (...callbackArgs: unknown[]) => {
          clock.advanceTo(due);
          return typeof callback === 'function' ? callback(...callbackArgs) : undefined;
        },
        ms,
        ...args,
      );
    };
  }
  const setIntervalOf = realm.setInterval;
  if (setIntervalOf) {
    realm.setInterval = (callback, ms, ...args) => {
      const every = Math.max(0, Number(ms) || 0);
      return setIntervalOf(
        (...callbackArgs: unknown[]) => {
          clock.advanceTo(clock.peek() + every);
          return typeof callback === 'function' ? callback(...callbackArgs) : undefined;
        },
        ms,
        ...args,
      );
    };
  }
}
