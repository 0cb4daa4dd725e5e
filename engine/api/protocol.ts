/** The messages between the runner-side flow API and the worker (defined in runner-api.ts, bundled into runners). */
export type {
  CallResult,
  ChildOptions,
  ChildRequest,
  ExecutionFilter,
  ExecutionSnapshot,
  ReturnWhen,
  RunnerContext,
  WireError,
} from './runner-api';
