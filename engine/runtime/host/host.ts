import { callPayloads, type CallMethod, type CallPayload } from '../../api/calls';
import { JOURNALED_CALLS, LOG_LINES_PER_STEP } from '../../api/runner-api';
import { engineLimits } from '../../config';
import { UserError } from '../../errors';
import { announceAfterCommit, statusEvent } from '../../events/events';
import { SandboxSuspend } from '../../sandbox/suspend';
import type { SandboxHost } from '../../sandbox/types';
import type { ExecutionStatus, LogLevel } from '../../store/database';
import {
  listExecutions,
  mapFenceErrors,
  saveOwnFields,
  setOutputKey,
  saveResponse,
  StaleRunError,
  StepAlreadyRecordedError,
} from '../../store/executions';
import { findRunnableFlow } from '../../store/flow-versions';
import { FlowNotFoundError, flowNotFoundMessage } from '../../store/flows';
import { getSetting, saveSetting } from '../../store/settings';
import { recordStep } from '../../store/steps';
import { withDbRetry } from '../db-retry';
import { checkInputJson, jsonBytes, outputTooLarge } from '../limits';
import type { Run } from '../run';
import { snapshotOf } from '../snapshot';
import { ApiError, fail, halt, ok, type Answer } from './answers';
import { Children, type ChildServices } from './children';
import { Journal } from './journal';
import { LogWriter } from './logs';
import { NodeWriter } from './nodes';
import { Waits } from './waits';
import type { ExecutionStep } from '../../store/database';

/** What the worker lends the flow API for one run. */
export type RuntimeServices = ChildServices & {
  /** Makes sure the worker looks for due jobs at `at` (a durable sleep ends). */
  scheduleWake(at: number): void;
};

const journaled = new Set<string>(JOURNALED_CALLS);

/** The worker side of the flow API for one run: what each `host.call(method, [position, payload])` does. */
export type RunHost = SandboxHost & {
  /**
   * The worker calls it when the handler returns: calls user code started without awaiting them
   * (`this.setOutput(...)` before `return this.success()`) complete first, then the children and log
   * lines still collected are written, so the execution ends with every effect its code asked for.
   */
  flush(): Promise<void>;
  readonly journal: Journal;
};

export function createHost(
  run: Run,
  services: RuntimeServices,
  recorded: ReadonlyMap<number, ExecutionStep>,
): RunHost {
  const { db } = services;
  const self = run.execution;
  const limits = engineLimits();
  const journal = new Journal(run, db, recorded);
  const logs = new LogWriter(db, run, limits, () =>
    announceAfterCommit(db, { ...statusEvent(self), status: 'RUNNING', kind: 'log' }),
  );
  const nodes = new NodeWriter(db, run, () =>
    announceAfterCommit(db, { ...statusEvent(self), status: 'RUNNING', kind: 'node' }),
  );
  // A WAITING execution's fence refuses writes: what the run holds back is written before it waits.
  const waits = new Waits(run, services, async () => {
    await logs.flush();
    await nodes.flush();
  });
  const children = new Children(run, services, (childId) =>
    waits.suspendUnlessMet({ kind: 'children', ids: [childId], returnWhen: 'ALL_ENDED' }),
  );

  /** `handle.wait()` and `waitFor`: the children must be this run's own. */
  function waitForOwnChildren(
    ids: string[],
    returnWhen: CallPayload<'waitFor'>['returnWhen'],
    single: boolean,
  ) {
    return {
      run: async () => {
        await children.ownChildren(ids);
        return waits.forChildren(ids, returnWhen, single);
      },
    };
  }

  /** The journaled calls: each an effect that Journal.step carries out once and replays after. */
  function journaledCall(
    method: (typeof JOURNALED_CALLS)[number],
    seq: number,
    request: unknown,
  ): Promise<Answer> {
    const step = (effect: Parameters<Journal['step']>[3]) => journal.step(seq, method, request, effect);
    switch (method) {
      case 'child.start':
        return step(children.startEffect(seq, request as CallPayload<'child.start'>));
      case 'child.run':
        return step(children.runEffect(seq, request as CallPayload<'child.run'>));
      case 'child.cancel':
        return step(children.cancelEffect(seq, request as CallPayload<'child.cancel'>));
      case 'child.wait': {
        const { id } = request as CallPayload<'child.wait'>;
        return step(waitForOwnChildren([id], 'ALL_SUCCEEDED', true));
      }
      case 'waitFor': {
        const { ids, returnWhen } = request as CallPayload<'waitFor'>;
        return step(waitForOwnChildren(ids, returnWhen, false));
      }
      case 'sleep':
        return step(waits.sleepEffect(seq, request as CallPayload<'sleep'>));
      case 'setting.get': {
        const { name } = request as CallPayload<'setting.get'>;
        return step({
          run: async () => {
            const setting = await getSetting(db, name);
            return setting
              ? ok(setting.value)
              : fail({ name: 'ResourceNotFoundError', message: `setting '${name}' does not exist` });
          },
        });
      }
      case 'setting.save': {
        const { name, value } = request as CallPayload<'setting.save'>;
        return step({
          recordsItself: true,
          // The setting and the step that says it was saved are one fenced transaction.
          run: async (hash) => {
            const at = await db.transaction().execute(async (trx) => {
              const at = await recordStep(trx, run.fence, {
                seq,
                kind: method,
                request,
                requestHash: hash,
                status: 'SUCCEEDED',
                result: null,
              });
              await saveSetting(trx, name, value);
              return at;
            });
            return ok(null, at);
          },
        });
      }
      case 'system.flow': {
        const { name } = request as CallPayload<'system.flow'>;
        return step({
          run: async () => {
            const flow = await findRunnableFlow(db, { name });
            return flow
              ? ok({ id: flow.id, name: flow.name, kind: flow.kind, version: flow.version })
              : fail({ name: 'ResourceNotFoundError', message: await flowNotFoundMessage(db, name) });
          },
        });
      }
      case 'system.executions': {
        const filter = request as CallPayload<'system.executions'>;
        return step({
          run: async () => {
            let flowId: string | undefined;
            if (filter.flow) {
              const flow = await findRunnableFlow(db, { name: filter.flow });
              if (!flow)
                return fail({
                  name: 'ResourceNotFoundError',
                  message: await flowNotFoundMessage(db, filter.flow),
                });
              flowId = flow.id;
            }
            const rows = await listExecutions(db, {
              flowId,
              status:
                filter.status === undefined ? undefined : ([] as ExecutionStatus[]).concat(filter.status),
              type: filter.type,
              parentId: filter.parentId,
              rootId: filter.rootId,
              limit: filter.limit,
            });
            return ok(rows.map(snapshotOf));
          },
        });
      }
    }
  }

  /** The calls outside the journal: log lines (numbered apart), own fields, the end. */
  async function ownCall(method: CallMethod, position: number, request: unknown): Promise<Answer> {
    switch (method) {
      case 'log': {
        const { level, args } = request as CallPayload<'log'>;
        const message = args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
        await logs.add({
          ...(position > 0
            ? { seq: Math.floor(position / LOG_LINES_PER_STEP), line: position % LOG_LINES_PER_STEP }
            : {}),
          level: level as LogLevel,
          message,
        });
        return ok(null);
      }
      case 'node': {
        const report = request as CallPayload<'node'>;
        // As save's output: a node's output over the limit ends the execution (it is not written).
        if (report.output !== undefined) endIfTooLarge('output', jsonBytes(report.output));
        await nodes.add(report);
        return ok(null);
      }
      case 'save': {
        const fields = request as CallPayload<'save'>;
        if (fields.output !== undefined) endIfTooLarge('output', jsonBytes(fields.output));
        if (typeof fields.message === 'string') endIfTooLarge('message', Buffer.byteLength(fields.message));
        if (!(await saveOwnFields(db, run.fence, fields))) refused();
        return ok(null);
      }
      case 'respond': {
        const response = request as CallPayload<'respond'>;
        endIfTooLarge('output', jsonBytes(response));
        if (!(await saveResponse(db, run.fence, response))) refused();
        return ok(null);
      }
      case 'setOutput': {
        const { key, value } = request as CallPayload<'setOutput'>;
        // A value over the limit alone is refused here, before PostgreSQL is sent it.
        endIfTooLarge('output', jsonBytes(value));
        const bytes = await setOutputKey(db, run.fence, key, value, limits.maxOutputBytes);
        if (bytes === undefined) refused();
        endIfTooLarge('output', bytes);
        return ok(null);
      }
      case 'end': {
        const { status, message, error } = request as CallPayload<'end'>;
        const unreached = journal.unreachedSteps();
        if (error) run.endIntent ??= { status: 'ENDED_ERROR', message, error };
        else if (unreached) {
          run.endIntent ??= {
            status: 'ENDED_ERROR',
            message: `${unreached.name}: ${unreached.message}`,
            error: unreached,
          };
        } else {
          run.endIntent ??= {
            status,
            message,
            ...(status === 'ENDED_ERROR'
              ? { error: { name: 'FlowError', message: message ?? 'the flow ended with an error' } }
              : {}),
          };
        }
        // Code that cannot answer a drop (a loop on the clock) is stopped with its runner.
        if (error?.name === 'BusyWaitError') run.abort.abort();
        halt();
      }
    }
    return fail({ name: 'InvalidArgumentError', message: `unknown flow API call '${method}'` });
  }

  async function dispatch(method: CallMethod, position: number, payload: unknown): Promise<Answer> {
    const parsed = callPayloads[method].safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
      return fail({
        name: 'InvalidArgumentError',
        message: `${method}: ${issue?.message ?? 'invalid arguments'}${where}`,
      });
    }
    // Refused at the call, not when a batch of children is written (startExecution checks it too).
    if (method === 'child.start') {
      const { input } = parsed.data as CallPayload<'child.start'>;
      checkInputJson(JSON.stringify(input ?? null), limits.maxInputBytes);
    }
    // Nothing outside this run may see an answer before the children it started exist.
    if (method !== 'child.start') await children.flush();
    if (journaled.has(method)) {
      return journaledCall(method as (typeof JOURNALED_CALLS)[number], position, parsed.data);
    }
    return ownCall(method, position, parsed.data);
  }

  /** One flow API call from the runner: validated, carried out by `dispatch`, its refusals turned into stops. */
  async function handleCall(method: string, args: unknown[]): Promise<unknown> {
    if (run.halted) halt();
    const [position, payload] = args;
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) {
      return fail({ name: 'InvalidArgumentError', message: 'malformed flow API call' });
    }
    if (!Object.hasOwn(callPayloads, method)) {
      return fail({ name: 'InvalidArgumentError', message: `unknown flow API call '${method}'` });
    }
    try {
      // Through a PostgreSQL restart a call waits and tries again: every write it makes is a
      // transaction or idempotent (journal rows are unique per step).
      const answer = await mapFenceErrors(() =>
        withDbRetry(() => dispatch(method as CallMethod, position, payload)),
      );
      if (run.halted && !('fatal' in answer && answer.fatal)) halt();
      return answer;
    } catch (error) {
      if (error instanceof SandboxSuspend) throw error;
      if (error instanceof StaleRunError) {
        run.lost = true;
        halt();
      }
      if (error instanceof StepAlreadyRecordedError) {
        run.handBack = true;
        halt();
      }
      if (run.halted) halt();
      if (error instanceof ApiError) return fail(error.toWire());
      if (error instanceof FlowNotFoundError)
        return fail({ name: 'ResourceNotFoundError', message: error.message });
      if (error instanceof UserError) return fail({ name: error.name, message: error.message });
      throw error;
    }
  }

  /**
   * An output (or message) over FLOWLINE_MAX_OUTPUT_BYTES ends the execution ENDED_ERROR, saying so:
   * the value is not written, and no user code runs past it.
   */
  function endIfTooLarge(what: 'output' | 'message', bytes: number): void {
    if (bytes <= limits.maxOutputBytes) return;
    run.endIntent ??= outputTooLarge(what, bytes, limits.maxOutputBytes);
    halt();
  }

  /** A fenced update changed nothing: this run no longer owns its execution. */
  function refused(): never {
    throw new StaleRunError(`attempt ${run.attempt} no longer owns execution ${self.id}`);
  }

  const inFlight = new Set<Promise<unknown>>();

  /** Whether this run is still this worker's to end (not lost, cancelled, suspended or handed back). */
  const ending = () => !run.lost && !run.cancelled && !run.suspended && !run.handBack;

  return {
    journal,
    async flush() {
      // Only for a run that is still this worker's to end: a lost, cancelled or handed-back run writes
      // nothing more, and must not wait on calls that may be retrying through a database outage.
      if (ending()) await Promise.allSettled([...inFlight]);
      try {
        await children.flush();
        await logs.flush();
        await nodes.flush();
        if (ending()) await logs.recordDropped();
      } catch (error) {
        if (error instanceof StaleRunError) run.lost = true;
        else if (error instanceof StepAlreadyRecordedError) run.handBack = true;
        else if (!(error instanceof SandboxSuspend)) throw error;
      }
    },
    call(method: string, args: unknown[]): Promise<unknown> {
      const call = handleCall(method, args);
      inFlight.add(call);
      void call.catch(() => {}).finally(() => inFlight.delete(call));
      return call;
    },
    onConsole(level, text) {
      void logs.add({ level, message: text }).catch(() => {});
    },
  };
}
