import { sql } from 'kysely';
import { UserError } from '../errors';
import type { Conn } from './executions';

/** How long a key is remembered: a client retries within minutes, and a day bounds the table. */
export const IDEMPOTENCY_KEY_HOURS = 24;

/** A caller's key for one start, and a hash of what it asked (a reuse must ask the same). */
export type IdempotencyKey = { principal: string; key: string; requestHash: string };

export class IdempotencyKeyReusedError extends UserError {
  override name = 'IdempotencyKeyReusedError';
  readonly kind = 'unprocessable';
}

/**
 * Claims the key for the execution `executionId` about to be inserted in the same transaction, or
 * answers the execution an earlier request with this key started (a retry). Race-safe by the primary
 * key: a concurrent request with the same key waits here until the first one's transaction ends, then
 * finds its row (or claims the key if that one rolled back). A key older than IDEMPOTENCY_KEY_HOURS is
 * claimed anew. A claim also deletes a few expired keys, so the table stays about a day of keys.
 */
export async function claimIdempotencyKey(
  trx: Conn,
  claim: IdempotencyKey,
  executionId: string,
): Promise<{ earlierExecutionId: string } | null> {
  // Two tries: the earlier row can vanish between the two statements (its execution was deleted).
  for (let attempt = 0; attempt < 2; attempt++) {
    const claimed = await sql`
      insert into idempotency_keys (principal, key, request_hash, execution_id)
      values (${claim.principal}, ${claim.key}, ${claim.requestHash}, ${executionId})
      on conflict (principal, key) do update
        set request_hash = excluded.request_hash, execution_id = excluded.execution_id, created_at = now()
        where idempotency_keys.created_at < now() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})
      returning 1`.execute(trx);
    if (claimed.rows.length > 0) {
      await deleteSomeExpiredKeys(trx);
      return null;
    }
    const earlier = await trx
      .selectFrom('idempotency_keys')
      .select(['execution_id', 'request_hash'])
      .where('principal', '=', claim.principal)
      .where('key', '=', claim.key)
      .executeTakeFirst();
    if (!earlier) continue;
    if (earlier.request_hash !== claim.requestHash) {
      throw new IdempotencyKeyReusedError(
        'This Idempotency-Key was already used for a different request (another flow, input or mode); ' +
          'send a new key for a new request, or the same request to get its execution.',
      );
    }
    return { earlierExecutionId: earlier.execution_id };
  }
  throw new Error('claimIdempotencyKey: the key changed hands twice during one claim');
}

/** At most 100 expired keys, skipping any another transaction holds: cheap, and never waits. */
async function deleteSomeExpiredKeys(trx: Conn): Promise<void> {
  await sql`
    delete from idempotency_keys where ctid = any(array(
      select ctid from idempotency_keys
      where created_at < now() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})
      limit 100 for update skip locked))`.execute(trx);
}
