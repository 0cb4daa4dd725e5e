const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
  '08003',
]);

/** Retries database work through a PostgreSQL restart (connection errors only), for up to a minute. */
export async function withDbRetry<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const message = (error as Error).message ?? '';
      const transient =
        TRANSIENT.has(code) ||
        /Connection terminated|connect ECONNREFUSED|terminating connection/.test(message);
      if (!transient || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
