import type { z } from 'zod';
import type { NodeHandleId } from '../graph/model';

/**
 * One node type of graph flows, defined once: its params schema (with the labels and help texts the
 * inspector renders), its palette entry, its handles, and its code generation and reading back.
 * Everything else (validator, compiler, code -> graph, canvas, OpenAPI) derives from these.
 *
 * A node type's file imports nothing heavier than zod, so the registry can be described to the
 * browser; the compiler hands it an emitter and a reader that do the TypeScript work.
 */
export interface NodeType<Params extends Record<string, unknown> = Record<string, unknown>> {
  type: string;
  title: string;
  category: NodeCategory;
  /** An icon name of the canvas's icon set. */
  icon: string;
  description: string;
  /** A strict zod object; `.meta({ title, description })` on each field is the inspector's label and help. */
  params: z.ZodType<Params>;
  /** Triggers start the flow: no edge may lead into them. */
  trigger: boolean;
  /** Steps start a child execution, and take `retries`, `timeout_seconds` and `on_error`. */
  step: boolean;
  /** The handles edges leave by (they may depend on the params: `on_error: continue` adds `error`). */
  outputs(params: Params): HandleDefinition[];
  /** The canvas card's one line about the params. */
  summary(params: Params): string;
  /**
   * Params whose strings are taken as they are, never as `{{ expression }}`: 'all' for triggers,
   * or the names (a script's code, a condition's bare expression).
   */
  plainParams?: 'all' | readonly string[];
  /** Of those, the params that are a bare TypeScript expression (a condition's): they read nodes by id. */
  expressionParams?: readonly string[];
  /** Modules the node runs as its own (a script's), type-checked apart and mapped back to the param. */
  modules?(params: Params): { path: string; source: string; headLines: number }[];
  /** The flows, connections, connector types and webhook names the node refers to. */
  references?(params: Params): NodeReferences;
  /** The body of the node's `graph.node(...)` call: a TypeScript expression or `{ block }`. */
  emit(params: Params, emit: NodeEmitter): string;
  /** The params a body in this type's shape holds; undefined when the body is not in its shape. */
  read(body: Code, read: NodeReader): Record<string, unknown> | undefined;
}

export type NodeCategory = 'Triggers' | 'Steps' | 'Logic';

export type HandleDefinition = {
  id: NodeHandleId;
  label: string;
  /** At most this many edges may leave the handle (none: any number). */
  max?: number;
  /** A branch the flow is expected to go on from: unwired, it is a warning ("leads nowhere"). */
  expected?: boolean;
};

/** A param naming something outside the graph: its value, and its path below `params`. */
export type ParamReference = { value: unknown; path: string };

/** What a node refers to outside the graph, for the validator to look up (strings with `{{ }}` are skipped). */
export type NodeReferences = {
  /** A flow it starts. */
  flow?: ParamReference;
  /** The connector call it makes: a stored connection or a connector type, and the call's inputs. */
  connector?: { connection?: ParamReference; connectorType?: ParamReference; inputs?: ParamReference };
  /** The webhook name it serves (unique across flows). */
  webhook?: ParamReference;
};

/** Writes the parts of a node's body; it records where each param went, to map diagnostics back. */
export interface NodeEmitter {
  /** A param's value as TypeScript: JSON, in which strings may hold `{{ expression }}`. */
  value(value: unknown, path: string): string;
  /** A param that must be a string: even a lone `{{ expression }}` is interpolated (an end's message). */
  text(value: string, path: string): string;
  /** A bare expression param (no braces), as written: for a place that delimits it, such as `if (...)`. */
  expression(text: string, path: string): string;
  /** A value written as is: strings in it are never expressions (trigger params). */
  literal(value: unknown): string;
  /** Code as a template literal's text (a script's body). */
  code(text: string, path: string): string;
  /** The options of the child the node starts: `{ nodeId, timeoutSeconds?, ...extra }`. */
  childOptions(extra?: Record<string, unknown>): string;
}

/** An opaque piece of the parsed module, only the reader looks inside. */
export type Code = { readonly __code: unique symbol };

export const NOT_IN_SHAPE: unique symbol = Symbol('not in shape');
export type Read<T> = T | typeof NOT_IN_SHAPE;

/** Reads a body back: each method answers undefined (or NOT_IN_SHAPE) when the code is not of its shape. */
export interface NodeReader {
  /** The arguments of `callee(...)` (`this.flow`, `graph.take`, ...), the body being that call or awaiting it. */
  call(code: Code, callee: string): Code[] | undefined;
  /** The statements of a block body; undefined for an expression body. */
  statements(body: Code): Code[] | undefined;
  /** `if (test) return value;` */
  ifReturn(statement: Code): { test: string; value: Code } | undefined;
  /** `return value;` */
  returned(statement: Code): Code | undefined;
  /** `await value;` */
  awaited(statement: Code): Code | undefined;
  /** A param value: JSON, an expression becoming `{{ ... }}`. */
  value(code: Code): Read<unknown>;
  /** A value with no expressions in it. */
  literal(code: Code): Read<unknown>;
  /** A template literal's text (a script's body). */
  code(code: Code): string | undefined;
  /** The child options `{ nodeId, timeoutSeconds?, ...extra }`: the extra fields (timeoutSeconds goes to the params). */
  childOptions(code: Code | undefined): Record<string, unknown> | undefined;
  /** An argument left out, or `undefined`. */
  absent(code: Code | undefined): boolean;
}
