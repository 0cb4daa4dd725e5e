/**
 * Counts failures per key (an account, a client address) in a sliding window and refuses further
 * attempts once a key reaches the limit, until its oldest failure leaves the window.
 *
 * Kept in memory: Flowline signs users in from one web process, and a restart that forgets the
 * counts only gives an attacker one more window. Several web processes would each count on their
 * own, which multiplies the limit by the number of processes.
 */
export class FailureRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: { maxFailures: number; windowMs: number; now?: () => number }) {}

  /** Seconds to wait before the key may try again, or 0 when it may try now. */
  retryAfterSeconds(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.options.maxFailures) return 0;
    const oldest = recent[recent.length - this.options.maxFailures] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.options.windowMs - this.now()) / 1000));
  }

  recordFailure(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    this.failures.set(key, recent);
    if (this.failures.size > 10_000) this.sweep();
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.options.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((at) => at > cutoff);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  /** Drops keys whose failures all left the window, so memory stays bounded under a spray of keys. */
  private sweep(): void {
    for (const key of [...this.failures.keys()]) this.recent(key);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

/**
 * Slows one key down (an account tried from one client address) with exponential backoff: the first
 * `freeFailures` failures cost nothing, then each failure doubles the wait before the next attempt
 * (`baseMs`, twice that, four times, ... at most `maxMs`). A key is forgotten `forgetMs` after its last
 * failure, or on reset (a successful sign-in). In memory, like FailureRateLimiter, and bounded the same way.
 */
export class FailureBackoff {
  private readonly failures = new Map<string, { count: number; lastAt: number }>();

  constructor(
    private readonly options: {
      freeFailures: number;
      baseMs: number;
      maxMs: number;
      forgetMs: number;
      now?: () => number;
    },
  ) {}

  /** Seconds to wait before the key may try again, or 0 when it may try now. */
  retryAfterSeconds(key: string): number {
    const entry = this.current(key);
    if (!entry || entry.count < this.options.freeFailures) return 0;
    const { baseMs, maxMs, freeFailures } = this.options;
    const waitMs = Math.min(maxMs, baseMs * 2 ** (entry.count - freeFailures));
    const leftMs = entry.lastAt + waitMs - this.now();
    return leftMs > 0 ? Math.ceil(leftMs / 1000) : 0;
  }

  recordFailure(key: string): void {
    const count = (this.current(key)?.count ?? 0) + 1;
    this.failures.set(key, { count, lastAt: this.now() });
    if (this.failures.size > 10_000) this.sweep();
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private current(key: string): { count: number; lastAt: number } | undefined {
    const entry = this.failures.get(key);
    if (entry && entry.lastAt + this.options.forgetMs <= this.now()) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    for (const key of [...this.failures.keys()]) this.current(key);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
