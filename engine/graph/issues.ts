import { UserError } from '../errors';

/**
 * One finding of the validator: the node (null for the graph as a whole) and the parameter path
 * (`check.params.expression`), with a message that starts with that path. Warnings do not stop a
 * save (a draft may name a flow that does not exist yet); errors do.
 */
export type GraphIssue = {
  node: string | null;
  path: string;
  message: string;
  severity: 'error' | 'warning';
};

export function graphIssue(
  node: string | null,
  path: string,
  text: string,
  severity: GraphIssue['severity'] = 'error',
): GraphIssue {
  return { node, path, message: `${path}: ${text}`, severity };
}

export function errorsOf(issues: readonly GraphIssue[]): GraphIssue[] {
  return issues.filter((issue) => issue.severity === 'error');
}

/** A graph that cannot be saved or compiled: every error, each at its node and parameter. */
export class InvalidGraphError extends UserError {
  override name = 'InvalidGraphError';
  readonly kind = 'invalid';
  /** Errors first, then warnings. */
  readonly issues: GraphIssue[];

  constructor(issues: readonly GraphIssue[]) {
    const errors = errorsOf(issues);
    const first = errors[0]?.message ?? 'the graph is not valid';
    super(errors.length > 1 ? `${first} (and ${errors.length - 1} more)` : first);
    this.issues = [...errors, ...issues.filter((issue) => issue.severity !== 'error')];
  }
}
