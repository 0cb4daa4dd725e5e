import type { z } from 'zod';
import { UserError } from '../errors';

/**
 * Errors of connections and connector calls. Each is a value a user can act on: its message names the
 * connection, field or status, and never carries a secret. Input, not-found and name clashes are
 * UserErrors (engine/errors.ts: the edges map their `kind` to 400 / 404 / 409); a failed call is a
 * ConnectorCallError, which fails the CONNECTION execution that made it.
 */

/** A connector's input is wrong; `field` is its dotted path (`headers.Accept`, `params.0`). */
export abstract class ConnectorInputError extends UserError {
  readonly kind = 'invalid';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class MissingInputError extends ConnectorInputError {
  override name = 'MissingInputError';
}

export class InvalidInputError extends ConnectorInputError {
  override name = 'InvalidInputError';
}

export class ExtraInputError extends ConnectorInputError {
  override name = 'ExtraInputError';
}

export class UnknownConnectorTypeError extends InvalidInputError {
  override name = 'UnknownConnectorTypeError';
  constructor(type: unknown, known: readonly string[]) {
    super(
      'connector_type',
      `connector_type: unknown connector type ${JSON.stringify(type)}; known types: ${known.join(', ')}`,
    );
  }
}

/**
 * Engine-wide ResourceNotFoundError counterpart for connections (the flow API shows it by this name);
 * `suggestion`: the existing connection the name is likely a typo of.
 */
export class ConnectionNotFoundError extends UserError {
  readonly kind = 'not_found';
  override name = 'ResourceNotFoundError';
  constructor(
    readonly connectionName: string,
    suggestion?: string,
  ) {
    super(
      `connection '${connectionName}' does not exist${suggestion === undefined ? '' : `; did you mean '${suggestion}'?`}`,
    );
  }
}

export class ConnectionNameTakenError extends UserError {
  readonly kind = 'conflict';
  override name = 'ConnectionNameTakenError';
  constructor(readonly connectionName: string) {
    super(`a connection named '${connectionName}' already exists`);
  }
}

/** The call reached (or tried to reach) the other system and failed there. */
export class ConnectorCallError extends Error {
  override name = 'ConnectorCallError';
}

/** The message is the summary, then the answer's body excerpt; a form shows the two apart. */
export class RestStatusError extends ConnectorCallError {
  override name = 'RestStatusError';
  constructor(
    readonly summary: string,
    readonly status: number,
    readonly bodyExcerpt: string,
  ) {
    super(bodyExcerpt ? `${summary}: ${bodyExcerpt}` : summary);
  }
}

export class ConnectorTimeoutError extends ConnectorCallError {
  override name = 'ConnectorTimeoutError';
}

export class ConnectorCancelledError extends ConnectorCallError {
  override name = 'ConnectorCancelledError';
}

/**
 * A zod issue as a form shows it next to the field: number bounds and whole numbers in words ("must be
 * at most 65535" rather than "Too big: expected number to be <=65535"); anything else as zod says it.
 */
export function issueMessage(issue: z.core.$ZodIssue): string {
  const numeric = (origin: string) => origin === 'number' || origin === 'int' || origin === 'bigint';
  if (issue.code === 'too_big' && numeric(issue.origin)) {
    return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}`;
  }
  if (issue.code === 'too_small' && numeric(issue.origin)) {
    return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  return issue.message;
}

/** Turns the first problem zod found into a typed input error naming the field. */
export function inputErrorFromZod(
  connectorType: string,
  error: z.ZodError,
  input: Record<string, unknown>,
): ConnectorInputError {
  const issue = error.issues[0];
  if (issue === undefined) return new InvalidInputError('', `${connectorType}: invalid input`);
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const field = [...at, issue.keys[0] ?? ''].join('.');
    const fields = issue.keys.map((key) => [...at, key].join('.')).join(', ');
    return new ExtraInputError(field, `${fields}: not an input of connector ${connectorType}`);
  }
  const field = at.join('.');
  if (valueAt(input, issue.path) === undefined) {
    return new MissingInputError(field, `${field}: required by connector ${connectorType}`);
  }
  return new InvalidInputError(field, `${field}: ${issueMessage(issue)}`);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
