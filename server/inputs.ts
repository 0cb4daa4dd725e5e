import { z } from 'zod';
import { pgJson, pgText } from '../engine/store/pg-values';

/**
 * Inputs the REST API and the tRPC procedures share, so both refuse the same things the same way.
 * Names are checked by the engine's rules (engine/flows/name.ts); here only what reaches PostgreSQL.
 */
export const nameInput = pgText().min(1).max(1000);

/**
 * A connection's config: JSON that jsonb stores, keyed by field names. Which names are fields is the
 * connector's to say (engine/connectors/config.ts: a key like `constructor` is no field of any).
 */
export const connectionConfigInput = pgJson().pipe(z.record(z.string(), z.unknown()));
