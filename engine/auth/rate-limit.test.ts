import { describe, expect, it } from 'vitest';
import { FailureBackoff, FailureRateLimiter } from './rate-limit';

function limiterWithClock(maxFailures: number, windowMs: number) {
  const clock = { now: 1_000_000 };
  const limiter = new FailureRateLimiter({ maxFailures, windowMs, now: () => clock.now });
  return { limiter, clock };
}

describe('FailureRateLimiter', () => {
  it('allows attempts until the limit of failures is reached', () => {
    const { limiter } = limiterWithClock(3, 60_000);
    for (let i = 0; i < 2; i++) limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBe(0);
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBe(60);
  });

  it('counts each key on its own', () => {
    const { limiter } = limiterWithClock(2, 60_000);
    limiter.recordFailure('a');
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds('b')).toBe(0);
  });

  it('lets a key try again once its oldest failure leaves the window', () => {
    const { limiter, clock } = limiterWithClock(2, 60_000);
    limiter.recordFailure('a');
    clock.now += 20_000;
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBe(40);
    clock.now += 39_000;
    expect(limiter.retryAfterSeconds('a')).toBe(1);
    clock.now += 1_001;
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });

  it('forgets a key on reset (a successful sign-in)', () => {
    const { limiter } = limiterWithClock(1, 60_000);
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBe(60);
    limiter.reset('a');
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });
});

describe('FailureBackoff', () => {
  function backoffWithClock() {
    const clock = { now: 1_000_000 };
    const backoff = new FailureBackoff({
      freeFailures: 2,
      baseMs: 1_000,
      maxMs: 8_000,
      forgetMs: 60_000,
      now: () => clock.now,
    });
    return { backoff, clock };
  }

  it('lets the first failures through, then doubles the wait up to its cap', () => {
    const { backoff } = backoffWithClock();
    backoff.recordFailure('a');
    expect(backoff.retryAfterSeconds('a')).toBe(0);
    const waits = [];
    for (let i = 0; i < 6; i++) {
      backoff.recordFailure('a');
      waits.push(backoff.retryAfterSeconds('a'));
    }
    expect(waits).toEqual([1, 2, 4, 8, 8, 8]);
    expect(backoff.retryAfterSeconds('b')).toBe(0);
  });

  it('counts the wait from the last failure, and forgets a key a while after it', () => {
    const { backoff, clock } = backoffWithClock();
    for (let i = 0; i < 4; i++) backoff.recordFailure('a');
    expect(backoff.retryAfterSeconds('a')).toBe(4);
    clock.now += 3_500;
    expect(backoff.retryAfterSeconds('a')).toBe(1);
    clock.now += 500;
    expect(backoff.retryAfterSeconds('a')).toBe(0);
    clock.now += 60_000;
    backoff.recordFailure('a'); // the first failure of a fresh count
    expect(backoff.retryAfterSeconds('a')).toBe(0);
  });
});
