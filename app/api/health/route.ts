/** Liveness probe for load balancers and the test harness; says nothing about users or data. */
export function GET() {
  return Response.json({ ok: true });
}
