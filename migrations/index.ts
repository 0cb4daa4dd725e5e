import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_foundation';
import * as m0002 from './0002_executions';
import * as m0003 from './0003_connections';
import * as m0004 from './0004_execution_waits';
import * as m0005 from './0005_end_child_function';
import * as m0006 from './0006_end_child_without_notify';
import * as m0007 from './0007_one_wake_path';
import * as m0008 from './0008_idempotency';
import * as m0009 from './0009_execution_depth';
import * as m0010 from './0010_execution_nodes';
import * as m0011 from './0011_change_xid';
import * as m0012 from './0012_webhooks';
import * as m0013 from './0013_triggers';
import * as m0014 from './0014_user_management';

/**
 * Every migration, in order. Listed statically (not read from the folder) so that bundlers and
 * tsx alike see them. Names sort in the order they run; add new ones at the end.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_executions': m0002,
  '0003_connections': m0003,
  '0004_execution_waits': m0004,
  '0005_end_child_function': m0005,
  '0006_end_child_without_notify': m0006,
  '0007_one_wake_path': m0007,
  '0008_idempotency': m0008,
  '0009_execution_depth': m0009,
  '0010_execution_nodes': m0010,
  '0011_change_xid': m0011,
  '0012_webhooks': m0012,
  '0013_triggers': m0013,
  '0014_user_management': m0014,
};
