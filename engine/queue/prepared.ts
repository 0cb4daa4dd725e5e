import crypto from 'node:crypto';
import pg from 'pg';

const INSTALLED = Symbol.for('flowline.preparedStatements');

/**
 * Which statements are kept prepared: those whose text contains `contains`, at most `max` distinct
 * texts each (pg offers no way to drop a prepared statement again, so a rule meeting statements of
 * ever new texts must not grow without bound, nor crowd out another rule's).
 */
type PrepareRule = { contains: string; max: number };

function hotStatementRules(bossSchema: string): PrepareRule[] {
  return [
    // pg-boss's own statements: its job insert is ~4 KB of CTEs and casts, which PostgreSQL parses and
    // plans on every call as an unnamed statement: measured here, 6.5 ms per job insert, against 0.7 ms
    // prepared. Starting an execution inserts a job, so this is the cost of every start.
    { contains: `${bossSchema}.`, max: 64 },
    // Every end (engine/store/executions.ts endExecutions: one text, its batch in arrays) and every
    // inline child's insert with its journal step (insertChildWithStep: one text per kind of child):
    // once per child each, on the path of a parent waiting for it (P2).
    { contains: 'flowline_end_execution(', max: 2 },
    { contains: "'journal step already recorded'", max: 8 },
  ];
}

/**
 * Runs the hot statements (hotStatementRules) as named prepared statements. Only parameterised ones
 * (one command each) are, and only ones on objects that do not change while a process runs (pg-boss's
 * schema; our functions, which a migration replaces before any worker starts, invalidating plans).
 *
 * It wraps pg.Client.prototype.query once per process, so it reaches pg-boss's own pool, our Kysely
 * pools and the transactions that send jobs (`boss.send(..., { db: fromKysely(trx) })`) alike.
 */
export function prepareHotStatements(bossSchema: string): void {
  const prototype = pg.Client.prototype as unknown as Record<symbol, unknown>;
  if (prototype[INSTALLED]) return;
  prototype[INSTALLED] = true;
  const rules = hotStatementRules(bossSchema).map((rule) => ({ ...rule, names: new Map<string, string>() }));
  const nameFor = (text: string): string | undefined => {
    const rule = rules.find((candidate) => text.includes(candidate.contains));
    if (!rule) return undefined;
    let name = rule.names.get(text);
    if (!name && rule.names.size < rule.max) {
      name = `flowline_q_${crypto.createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
      rule.names.set(text, name);
    }
    return name;
  };
  // pg's query() has a dozen overloads; this wrapper passes every argument through untouched except
  // a (text, values) call it turns into ({ name, text, values }), which pg documents as equivalent.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const original = pg.Client.prototype.query as (this: pg.Client, ...args: any[]) => any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  pg.Client.prototype.query = function (this: pg.Client, ...args: any[]) {
    const [text, values, callback] = args as [unknown, unknown, unknown];
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      const name = nameFor(text);
      if (name) return original.call(this, { name, text, values }, callback);
    }
    return original.apply(this, args);
  } as typeof pg.Client.prototype.query;
}
