import { z } from 'zod';
import { readEngineConfig } from '../../engine/config';
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  testConnection,
  testUnsavedConnection,
  updateConnection,
} from '../../engine/connectors/connections';
import { describeConnectorForm } from '../../engine/connectors/form';
import { connectors } from '../../engine/connectors/index';
import { processSecretKey } from '../../engine/secrets/secrets';
import { pgText } from '../../engine/store/pg-values';
import { connectionConfigInput, nameInput } from '../inputs';
import { protectedProcedure, router } from '../trpc';

// Names and configs are checked by the engine (name rules, the connector's schema); zod bounds the shape.
const connectionName = nameInput;
const config = connectionConfigInput;

const secretKey = () => processSecretKey(readEngineConfig());

/** Every answer carries secret fields as `{ set: boolean }` only: secrets go in, never come out. */
export const connectionsRouter = router({
  types: protectedProcedure.query(() => connectors.map(describeConnectorForm)),
  list: protectedProcedure.query(({ ctx }) => listConnections(ctx.db)),
  get: protectedProcedure
    .input(z.object({ name: connectionName }))
    .query(({ ctx, input }) => getConnection(ctx.db, input.name)),
  create: protectedProcedure
    .input(z.object({ name: connectionName, connector_type: pgText().max(100), config }))
    .mutation(async ({ ctx, input }) =>
      createConnection(ctx.db, await secretKey(), { ...input, userId: ctx.user.id }),
    ),
  /** Secret fields are write-only: absent or '' keeps the stored value, null removes it. */
  update: protectedProcedure
    .input(z.object({ name: connectionName, new_name: connectionName.optional(), config }))
    .mutation(async ({ ctx, input }) =>
      updateConnection(ctx.db, await secretKey(), input.name, {
        name: input.new_name,
        config: input.config,
        userId: ctx.user.id,
      }),
    ),
  delete: protectedProcedure.input(z.object({ name: connectionName })).mutation(async ({ ctx, input }) => {
    await deleteConnection(ctx.db, input.name);
    return { name: input.name };
  }),
  /**
   * "Test connection": `{ ok: true }` or `{ ok: false, message, field?, body? }`, free of secrets. With
   * `config`, the form's unsaved edit of the connection is tested (as Save would store it), not saved.
   */
  test: protectedProcedure
    .input(z.object({ name: connectionName, config: config.optional() }))
    .mutation(async ({ ctx, input, signal }) =>
      input.config === undefined
        ? testConnection(ctx.db, await secretKey(), input.name, { signal })
        : testUnsavedConnection(
            ctx.db,
            await secretKey(),
            { name: input.name, config: input.config },
            { signal },
          ),
    ),
  /** "Test connection" on the New connection form: the config as Create would store it, not saved. */
  testNew: protectedProcedure
    .input(z.object({ connector_type: pgText().max(100), config }))
    .mutation(async ({ ctx, input, signal }) =>
      testUnsavedConnection(ctx.db, await secretKey(), input, { signal }),
    ),
});
