/** The message of a failed tRPC call or fetch, fit to show next to the form that caused it. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong; try again.';
}
