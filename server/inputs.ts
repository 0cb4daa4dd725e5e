import { z } from 'zod';
import { pgJson, pgText } from '../engine/store/pg-values';

/**
 * Inputs the REST API and the tRPC procedures share, so both refuse the same things the same way.
 * Names are checked by the engine's rules (engine/flows/name.ts); here only what reaches PostgreSQL.
 */
export const nameInput = pgText().min(1).max(1000);

/**
 * A connection's config: JSON that jsonb stores, keyed by field names. A key that is a member of every
 * object (`constructor`, `toString`, `__proto__`) is no connector's field; refused here, as the
 * connector's own lookup of the field would find Object.prototype's member instead of nothing.
 */
export const connectionConfigInput = pgJson().pipe(
  z.record(z.string(), z.unknown()).check((ctx) => {
    for (const key of Object.keys(ctx.value)) {
      if (key in Object.prototype)
        ctx.issues.push({
          code: 'custom',
          message: 'is not a field of any connector',
          path: [key],
          input: key,
        });
    }
  }),
);
