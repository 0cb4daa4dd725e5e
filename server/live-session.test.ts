import { afterEach, describe, expect, it, vi } from 'vitest';
import { whileSignedIn, type Context } from './trpc';

async function* ticking(count: number): AsyncGenerator<number> {
  for (let n = 0; n < count; n++) {
    vi.advanceTimersByTime(6000); // an event every 6 s
    yield n;
  }
}

afterEach(() => vi.useRealTimers());

describe('a live subscription while its session holds', () => {
  it('re-checks the session every 10 s of events and ends when it no longer holds', async () => {
    vi.useFakeTimers();
    let signedIn = true;
    let checks = 0;
    const ctx = {
      stillSignedIn: async () => {
        checks++;
        return signedIn;
      },
    } as Context;
    const received: number[] = [];
    const stream = (async () => {
      for await (const event of whileSignedIn(ctx, ticking(10))) {
        received.push(event);
        if (event === 3) signedIn = false; // an administrator deactivates the user
      }
    })();
    await expect(stream).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // Deactivated after event 3 (at 24 s, just checked): event 4 (30 s) still goes out, the check before
    // event 5 (36 s) ends the stream. No event reaches the user more than 10 s after the session ended.
    expect(received).toEqual([0, 1, 2, 3, 4]);
    expect(checks).toBe(3);
  });

  it('a caller without a session (the app itself) is not re-checked', async () => {
    vi.useFakeTimers();
    const received: number[] = [];
    for await (const event of whileSignedIn({} as Context, ticking(3))) received.push(event);
    expect(received).toEqual([0, 1, 2]);
  });
});
