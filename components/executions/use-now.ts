'use client';

import { useEffect, useState } from 'react';

/**
 * The current time, ticking every second while `ticking`; null during the server render and the first
 * client render, so text that depends on "now" never differs between the two (a hydration mismatch).
 */
export function useNow(ticking: boolean): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    // A clock is an external system: reading it after mount is what keeps hydration stable.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setNow(Date.now());
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}
