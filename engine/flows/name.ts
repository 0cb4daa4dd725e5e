import { UserError } from '../errors';

export const FLOW_NAME_MAX_LENGTH = 128;

const ALLOWED_CHARACTERS = /^[\p{L}\p{N}\-_. ]+$/u;

export class InvalidFlowNameError extends UserError {
  override name = 'InvalidFlowNameError';
  readonly kind = 'invalid';
}

/** The rule a flow name breaks, as a sentence for the user, or null when the name is fine. */
export function flowNameProblem(name: string): string | null {
  if (name.trim() === '') return 'A flow name must not be blank.';
  if (name.length > FLOW_NAME_MAX_LENGTH) {
    return `A flow name must be at most ${FLOW_NAME_MAX_LENGTH} characters (this one has ${name.length}).`;
  }
  if (!ALLOWED_CHARACTERS.test(name)) {
    return 'A flow name may only contain letters, digits, spaces and the characters - _ .';
  }
  if (name !== name.trim()) return 'A flow name must not start or end with a space.';
  return null;
}

export function assertValidFlowName(name: string): void {
  const problem = flowNameProblem(name);
  if (problem) throw new InvalidFlowNameError(problem);
}
