import type { PgBoss } from 'pg-boss';
import type { CallPayload } from '../../api/calls';
import type { ExecutionSnapshot, WireError } from '../../api/protocol';
import {
  macCallSecrets,
  resolveConnectorCall,
  sealCallSecrets,
  type ConnectorTarget,
} from '../../connectors/index';
import { announceAfterCommit, statusEvent } from '../../events/events';
import { FlowSyntaxError, compileFlowCode, packCompiled } from '../../flows/compile';
import { sendExecutionJob } from '../../queue/boss';
import { encryptSecret, type SecretKey } from '../../secrets/secrets';
import type { Db } from '../../store/db';
import type { Execution, ExecutionStep } from '../../store/database';
import {
  cancelExecutionTree,
  claimExecutions,
  getChildOutcomes,
  getExecutions,
  holdFence,
  queueCreated,
} from '../../store/executions';
import { findRunnableFlow } from '../../store/flow-versions';
import { flowNotFoundMessage } from '../../store/flows';
import { recordStep, recordSteps } from '../../store/steps';
import { afterEnd } from '../finish';
import type { Run } from '../run';
import { snapshotOf } from '../snapshot';
import { startExecution, startExecutions, type StartExecutionRequest } from '../start';
import { ApiError, fail, ok, type Answer } from './answers';
import type { StepEffect } from './journal';
import { withDbRetry } from '../db-retry';

/** Children collected before they are written in one transaction (see ChildBatch). */
const MAX_PENDING_CHILDREN = 500;
const FLUSH_QUIET_MS = 5;

export type ChildServices = {
  db: Db;
  boss: PgBoss;
  workerId: string;
  leaseMs: number;
  secretKey: SecretKey | undefined;
  /** Levels an execution tree may have below its root (FLOWLINE_MAX_TREE_DEPTH). */
  maxTreeDepth: number;
  /**
   * A runner for one synchronous child to run inline, if the worker may hold one more (false: the
   * child is queued instead and its parent waits for it durably, giving its own runner up).
   */
  reserveInlineRun(): boolean;
  /** Gives back a reservation whose child could not be started. */
  releaseInlineRun(): void;
  /**
   * Runs a child this worker created claimed, in-process, until it ends or suspends (in the runner
   * reserveInlineRun gave, which it gives back); the ended row, if it ended.
   */
  runInline(execution: Execution): Promise<Execution | undefined>;
};

/**
 * Children started with `{ wait: false }` or `{ run: false }`, not yet written. A fan-out of a thousand
 * children becomes a few transactions instead of a thousand. They are written (with their journal
 * steps, in one fenced transaction) before any other call of this run is answered, before the run ends
 * or suspends, and after a short quiet moment: so nothing outside this run can have seen a child that
 * does not exist yet, and a crash before the write loses only children nobody has seen (the replay
 * creates them again under the same step numbers).
 */
class ChildBatch {
  private pending: Array<StartExecutionRequest & { id: string }> = [];
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly services: Pick<ChildServices, 'db' | 'boss'>) {}

  async add(request: StartExecutionRequest & { id: string }): Promise<void> {
    this.pending.push(request);
    if (this.pending.length >= MAX_PENDING_CHILDREN) await this.flush();
    else {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.flush().catch(() => {}), FLUSH_QUIET_MS);
    }
  }

  /** Writes the collected children; resolves once every child handed out so far exists. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      // Batches are written one after another, in the order user code started them.
      this.writing = this.writing.then(() => withDbRetry(() => startExecutions(this.services, batch)));
      this.writing.catch((error: unknown) => {
        this.failure ??= error;
      });
    }
    await this.writing.catch(() => {});
    if (this.failure) throw this.failure;
  }
}

/**
 * A child's timeout: what it would get (its flow's, or its parent's), shortened by its own
 * `timeoutSeconds` when that is smaller; a child's own timeout never lengthens it.
 */
function ownTimeout(inherited: number, own: number | undefined): number {
  return own === undefined ? inherited : Math.min(inherited, own);
}

/** The flow API's children of one run: starting them (at once or in batches), waiting for them, cancelling them. */
export class Children {
  private readonly batch: ChildBatch;
  // One run sees one version of each flow it starts (and looks each name up once).
  private readonly flows = new Map<string, ReturnType<typeof findRunnableFlow>>();

  constructor(
    private readonly run: Run,
    private readonly services: ChildServices,
    private readonly waitForChild: (childId: string) => Promise<void>,
  ) {
    this.batch = new ChildBatch(services);
  }

  flush(): Promise<void> {
    return this.batch.flush();
  }

  /** `this.flow()`, `this.connect()`, `this.script()`. */
  startEffect(seq: number, request: CallPayload<'child.start'>): StepEffect {
    const secretKey = this.services.secretKey;
    return {
      recordsItself: true,
      // A connection call's secrets are sealed in the journal; its hash covers them as keyed MACs.
      hashed: request.kind === 'connect' && secretKey ? macCallSecrets(secretKey, request) : undefined,
      run: (hash) => this.start(seq, request, hash),
      resume: (recorded) => this.awaitChild(recorded.child_id as string),
    };
  }

  /** `handle.run()` / `handle.runAsync()` of a child created with `{ run: false }`. */
  runEffect(seq: number, request: CallPayload<'child.run'>): StepEffect {
    return {
      recordsItself: true,
      run: (hash) => this.runCreated(seq, request, hash),
      resume: (recorded: ExecutionStep) => this.awaitChild(recorded.child_id as string),
    };
  }

  /** `handle.cancel()`: the child's subtree cancelled and the step recorded in one fenced transaction. */
  cancelEffect(seq: number, request: CallPayload<'child.cancel'>): StepEffect {
    return {
      recordsItself: true,
      run: async (hash) => {
        await this.ownChildren([request.id]);
        const { ended, child, at } = await this.services.db.transaction().execute(async (trx) => {
          await holdFence(trx, this.run.fence);
          const ended = await cancelExecutionTree(trx, request.id);
          const [child] = await getChildOutcomes(trx, [request.id]);
          const at = await recordStep(trx, this.run.fence, {
            seq,
            kind: 'child.cancel',
            request,
            requestHash: hash,
            status: 'SUCCEEDED',
            result: child?.snapshot,
          });
          return { ended, child, at };
        });
        if (ended) await afterEnd(this.services, [ended]);
        return ok(child?.snapshot, at);
      },
    };
  }

  /** Every id must name a child of this run's execution. */
  async ownChildren(ids: string[]): Promise<void> {
    const children = await getExecutions(this.services.db, ids);
    const own = new Set(
      children.filter((child) => child.parent_id === this.run.execution.id).map((c) => c.id),
    );
    const stranger = ids.find((id) => !own.has(id));
    if (stranger) {
      throw new ApiError('ResourceNotFoundError', `execution ${stranger} is not a child of this execution`);
    }
  }

  private async start(seq: number, request: CallPayload<'child.start'>, hash: string): Promise<Answer> {
    const { db, boss } = this.services;
    this.run.startedChildren = true;
    const self = this.run.execution;
    const options = request.options;
    if (self.depth >= this.services.maxTreeDepth) {
      throw new ApiError(
        'LimitExceededError',
        `a child would be ${self.depth + 1} levels deep in its execution tree; the most is ${this.services.maxTreeDepth} (FLOWLINE_MAX_TREE_DEPTH)`,
      );
    }
    const start: StartExecutionRequest = {
      ...(await this.describeChild(request)),
      nodeId: options.nodeId ?? null,
      startedBy: { kind: 'parent', id: self.id },
    };
    const waited = options.run !== false && options.wait !== false;
    // A waited-for child runs inline, in a runner of its own, while the worker may hold one more.
    const inline = waited && this.services.reserveInlineRun();
    start.mode =
      options.run === false
        ? { kind: 'created' }
        : inline
          ? { kind: 'inline', workerId: this.services.workerId, leaseMs: this.services.leaseMs }
          : { kind: 'queue' };
    start.parent = {
      id: self.id,
      rootId: self.root_id,
      depth: self.depth,
      isProductive: self.is_productive,
      fence: this.run.fence,
      step: {
        seq,
        kind: 'child.start',
        request: request.kind === 'connect' ? this.sealed(request) : request,
        requestHash: hash,
        status: waited ? 'STARTED' : 'SUCCEEDED',
      },
    };
    if (waited && !inline) {
      // No runner to spare: queued, and this run waits for it as for any child (durably, giving up
      // its runner), so a deep chain of synchronous children never holds more runners than allowed.
      await this.batch.flush();
      return this.awaitChild((await startExecution({ db, boss }, start)).id);
    }
    if (!inline) {
      if (request.kind === 'flow' && !start.resolvedFlow) {
        throw new ApiError('ResourceNotFoundError', await flowNotFoundMessage(db, request.flow));
      }
      // Collected and created in batches (see ChildBatch): user code goes on at once.
      const id = crypto.randomUUID();
      const type = start.type ?? 'FLOW';
      await this.batch.add({ ...start, id });
      return ok({
        id,
        type,
        name: start.name ?? start.resolvedFlow?.name ?? type.toLowerCase(),
        status: 'PENDING',
        output: null,
        message: null,
        error: null,
      } satisfies ExecutionSnapshot);
    }
    let child: Execution;
    try {
      await this.batch.flush();
      child = await startExecution({ db, boss }, start);
    } catch (error) {
      this.services.releaseInlineRun();
      throw error;
    }
    return this.awaitChild(child.id, await this.services.runInline(child));
  }

  /** What kind of execution a child.start asks for, looked up, compiled or resolved. */
  private async describeChild(request: CallPayload<'child.start'>): Promise<Partial<StartExecutionRequest>> {
    const options = request.options;
    if (request.kind === 'flow') {
      let flow = this.flows.get(request.flow);
      if (!flow) {
        flow = findRunnableFlow(this.services.db, { name: request.flow });
        this.flows.set(request.flow, flow);
      }
      const resolvedFlow = await flow;
      return {
        flow: { name: request.flow },
        resolvedFlow,
        input: request.input,
        name: options.name,
        timeoutSeconds: ownTimeout(resolvedFlow?.timeout_seconds ?? 3600, options.timeoutSeconds),
      };
    }
    if (request.kind === 'script') {
      try {
        const compiled = packCompiled(await compileFlowCode(request.source, 'script.ts'));
        return {
          type: 'SCRIPT',
          name: options.name ?? 'script',
          input: request.input,
          code: { compiled },
          timeoutSeconds: ownTimeout(this.run.execution.timeout_seconds, options.timeoutSeconds),
        };
      } catch (error) {
        if (error instanceof FlowSyntaxError) throw new ApiError('SyntaxError', `script: ${error.message}`);
        throw error;
      }
    }
    const secretKey = this.services.secretKey;
    if (!secretKey) throw new ApiError('ConnectorError', 'connections are not available on this worker');
    const target = request.connection as ConnectorTarget;
    const input = request.input ?? {};
    const resolved = await resolveConnectorCall({ db: this.services.db, secretKey, target, input });
    return {
      type: 'CONNECTION',
      name: options.name ?? resolved.connectionName ?? resolved.definition.type,
      input: resolved.redactedInput,
      // The call as written (it may hold ad-hoc secrets) is kept sealed, for a re-run after a crash.
      code: { sealed: encryptSecret(secretKey, { target, input }) },
      // Without its own, a connector call keeps the default timeout (the worker stops it past it).
      ...(options.timeoutSeconds !== undefined
        ? { timeoutSeconds: ownTimeout(this.run.execution.timeout_seconds, options.timeoutSeconds) }
        : {}),
    };
  }

  /** A connection call as the journal keeps it (describeChild has refused it without a secret key). */
  private sealed(request: CallPayload<'child.start'> & { kind: 'connect' }): unknown {
    const secretKey = this.services.secretKey;
    if (!secretKey) throw new ApiError('ConnectorError', 'connections are not available on this worker');
    return sealCallSecrets(secretKey, request);
  }

  private async runCreated(seq: number, request: CallPayload<'child.run'>, hash: string): Promise<Answer> {
    const { db, boss } = this.services;
    await this.ownChildren([request.id]);
    const notStartable = new ApiError(
      'InvalidArgumentError',
      `run(): execution ${request.id} has already been started`,
    );
    if (!request.wait) {
      const { at, snapshot } = await db.transaction().execute(async (trx) => {
        await holdFence(trx, this.run.fence);
        const snapshot = await queueCreated(trx, request.id);
        if (snapshot === undefined) throw notStartable;
        await sendExecutionJob(boss, trx, request.id);
        const at = await recordStep(trx, this.run.fence, {
          seq,
          kind: 'child.run',
          request,
          requestHash: hash,
          status: 'SUCCEEDED',
          result: snapshot,
          childId: request.id,
        });
        return { at, snapshot };
      });
      announceAfterCommit(db, [], true);
      return ok(snapshot, at);
    }
    if (!this.services.reserveInlineRun()) {
      // No runner to spare: queued, and waited for durably (see start).
      await db.transaction().execute(async (trx) => {
        await holdFence(trx, this.run.fence);
        if ((await queueCreated(trx, request.id)) === undefined) throw notStartable;
        await sendExecutionJob(boss, trx, request.id);
        await recordSteps(trx, this.run.fence, [
          { seq, kind: 'child.run', request, requestHash: hash, status: 'STARTED', childId: request.id },
        ]);
      });
      announceAfterCommit(db, [], true);
      return this.awaitChild(request.id);
    }
    let claimed: Execution;
    try {
      claimed = await db.transaction().execute(async (trx) => {
        await holdFence(trx, this.run.fence);
        const [row] = await claimExecutions(trx, [request.id], this.services.workerId, this.services.leaseMs);
        if (!row || row.attempts !== 1) throw notStartable;
        await recordSteps(trx, this.run.fence, [
          { seq, kind: 'child.run', request, requestHash: hash, status: 'STARTED', childId: row.id },
        ]);
        return row;
      });
    } catch (error) {
      this.services.releaseInlineRun();
      throw error;
    }
    announceAfterCommit(db, statusEvent(claimed));
    return this.awaitChild(claimed.id, await this.services.runInline(claimed));
  }

  /**
   * The answer of a call that waits for one child: its snapshot, or DependencyFailedError. Until it
   * has ended the run waits for it (gives up the worker). The child's end completed the journal step
   * (flowline_child_ended), so the answer's time is the child's end.
   */
  async awaitChild(childId: string, endedHere?: Execution): Promise<Answer> {
    if (endedHere?.status === 'ENDED_SUCCESS') return ok(snapshotOf(endedHere), endedHere.ended_at);
    for (;;) {
      const [child] = await getChildOutcomes(this.services.db, [childId]);
      if (!child)
        return fail({ name: 'ResourceNotFoundError', message: `execution ${childId} does not exist` });
      if (child.endedAt) {
        return child.dependencyError
          ? fail(child.dependencyError as WireError, child.endedAt)
          : ok(child.snapshot, child.endedAt);
      }
      await this.waitForChild(childId);
    }
  }
}
