import crypto from 'node:crypto';
import type { WireError } from '../../api/protocol';
import type { JournaledCall } from '../../api/calls';
import type { Db } from '../../store/db';
import type { ExecutionStep } from '../../store/database';
import { recordStep } from '../../store/steps';
import type { Run } from '../run';
import { fail, ok, type Answer } from './answers';

/** JSON with object keys sorted at every level: the same request always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function requestHash(kind: string, request: unknown): string {
  return crypto.createHash('sha256').update(kind).update('\0').update(canonicalJson(request)).digest('hex');
}

/** How a journaled call is carried out the first time, and continued when an earlier run started it. */
export type StepEffect = {
  /**
   * Carries the call out. `recordsItself`: the effect wrote its step itself, atomically with its side
   * effect (a child and the step that created it); otherwise the journal records the answer after it.
   */
  run(hash: string): Promise<Answer>;
  recordsItself?: boolean;
  /** What the hash covers, when not the request itself (a connection call's secrets as keyed MACs). */
  hashed?: unknown;
  /** A step an earlier run recorded as STARTED (a child still running, a sleep not over): carry on. */
  resume?(recorded: ExecutionStep): Promise<Answer>;
};

/**
 * The journal of one run: THE way every journaled call goes (`step`). It looks the step up by its number,
 * compares what was recorded with what is asked now (kind and request hash; a difference ends the
 * execution with NondeterminismError), answers a finished step from the record, continues a started
 * one, and otherwise carries the call out and records its answer: first writer wins, fenced by the run
 * (a refusal stops the run, see StepAlreadyRecordedError and StaleRunError).
 */
export class Journal {
  /** The highest step number user code asked for in this run. */
  private reached = 0;
  private readonly lastRecorded: number;

  constructor(
    private readonly run: Run,
    private readonly db: Db,
    private readonly recorded: ReadonlyMap<number, ExecutionStep>,
  ) {
    this.lastRecorded = Math.max(0, ...recorded.keys());
  }

  async step(seq: number, kind: JournaledCall, request: unknown, effect: StepEffect): Promise<Answer> {
    this.reached = Math.max(this.reached, seq);
    const hash = requestHash(kind, effect.hashed ?? request);
    const recorded = this.recorded.get(seq);
    if (recorded) {
      const differs =
        recorded.kind !== kind ||
        (recorded.request_hash !== null &&
          recorded.request_hash !== hash &&
          !hashedBeforeSealing(recorded, kind, request, effect));
      if (differs) return this.diverged(seq, recorded, kind, request);
      // As the first run was answered: an asynchronous child's start at once, without a time.
      const at = answeredAtOnce(recorded) ? null : recorded.ended_at;
      if (recorded.status === 'SUCCEEDED') return ok(recorded.result, at);
      if (recorded.status === 'FAILED') return fail(recorded.result as WireError, at);
      if (effect.resume) return effect.resume(recorded);
    }
    const answer = await effect.run(hash);
    if (effect.recordsItself) return answer;
    const at = await recordStep(this.db, this.run.fence, {
      seq,
      kind,
      request,
      requestHash: hash,
      status: answer.ok ? 'SUCCEEDED' : 'FAILED',
      result: answer.ok ? answer.value : answer.error,
    });
    return { ...answer, at: at.getTime() };
  }

  /**
   * A run that ends must have reached every step the journal holds: one that ends before them took
   * another way than the run that recorded them. Returns the error to end with, if so.
   */
  unreachedSteps(): WireError | undefined {
    if (this.lastRecorded <= this.reached) return undefined;
    const first = this.recorded.get(this.reached + 1) ?? this.recorded.get(this.lastRecorded);
    return {
      name: 'NondeterminismError',
      message:
        `the flow ended after step ${this.reached}, but an earlier run of it recorded step ${first?.seq ?? this.lastRecorded}` +
        ` (${describe(first?.kind ?? 'a call', first?.request)}): on replay a flow must make the same journaled ` +
        'calls in the same order (see docs/engine.md, "Replay")',
    };
  }

  private diverged(seq: number, recorded: ExecutionStep, kind: string, request: unknown): Answer {
    const message =
      `step ${seq} was ${describe(recorded.kind, recorded.request)} when it first ran and is ` +
      `${describe(kind, request)} now: on replay a flow must make the same journaled calls with the same ` +
      'arguments (read the clock and randomness only through Date and Math.random, see docs/engine.md, "Replay")';
    // The first divergence found is the one reported (calls made at once may find several).
    this.run.endIntent ??= {
      status: 'ENDED_ERROR',
      message: `NondeterminismError: ${message}`,
      error: { name: 'NondeterminismError', message },
    };
    return { ok: false, error: { name: 'NondeterminismError', message }, fatal: true };
  }
}

/**
 * A step recorded before connection calls were sealed has the hash of the request itself: it is the
 * same call (executions in flight across the upgrade replay as they would have).
 */
function hashedBeforeSealing(
  recorded: ExecutionStep,
  kind: string,
  request: unknown,
  effect: StepEffect,
): boolean {
  return effect.hashed !== undefined && recorded.request_hash === requestHash(kind, request);
}

/**
 * A child started with `{ wait: false }` or `{ run: false }`: user code got its answer at once, before
 * the child was written, so the answer carries no time and takes no place in the replay's order.
 */
function answeredAtOnce(step: ExecutionStep): boolean {
  const options = (step.request as { options?: { wait?: boolean; run?: boolean } } | null)?.options;
  return step.kind === 'child.start' && (options?.wait === false || options?.run === false);
}

/** The answers a replay delivers in order (see ReplaySchedule): the finished steps, by when they were answered. */
export function replayOrder(
  recorded: ReadonlyMap<number, ExecutionStep>,
): Array<{ seq: number; at: number }> {
  return [...recorded.values()]
    .filter((step) => step.status !== 'STARTED' && step.ended_at !== null && !answeredAtOnce(step))
    .map((step) => ({ seq: step.seq, at: (step.ended_at as Date).getTime() }))
    .sort((a, b) => a.at - b.at || a.seq - b.seq);
}

/** A call as a person reads it: `flow('billing')`, `sleep({"seconds":2})`. */
function describe(kind: string, request: unknown): string {
  const body = request as Record<string, unknown> | null;
  if (kind === 'child.start' && body && typeof body === 'object') {
    const target =
      body.kind === 'flow'
        ? body.flow
        : body.kind === 'connect'
          ? typeof body.connection === 'string'
            ? body.connection
            : (body.connection as { connector_type?: unknown })?.connector_type
          : 'script';
    return `${String(body.kind)}(${JSON.stringify(target)})`;
  }
  const text = JSON.stringify(request ?? null);
  return `${kind}(${text.length > 120 ? `${text.slice(0, 120)}…` : text})`;
}
