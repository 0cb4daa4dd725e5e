import { describe, expect, it } from 'vitest';
import { ConfigError, readEngineConfig } from '../config';
import {
  addressRange,
  checkDestination,
  checkSocketDestination,
  destinationPolicy,
  DestinationRefusedError,
  parseAllowList,
  type CheckedAddress,
  type DestinationPolicy,
} from './destinations';

/** The engine's settings from just these variables (NODE_ENV and the rest unset). */
const configOf = (env: Record<string, string>) => readEngineConfig(env as NodeJS.ProcessEnv);

const OWN_DATABASE = 'postgres://flowline:pw@127.0.0.1:5432/flowline';

/** A resolver answering fixed addresses per name, as DNS would. */
function resolver(names: Record<string, string[]>) {
  return async (host: string): Promise<CheckedAddress[]> => {
    const addresses = names[host];
    if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const dns = resolver({
  localhost: ['127.0.0.1', '::1'],
  'db.internal': ['10.1.2.3'],
  'api.example.com': ['93.184.215.14'],
  'mixed.example.com': ['93.184.215.14', '192.168.1.5'],
  'metadata.example.com': ['169.254.169.254'],
});

function policy(deny = '', allow = ''): DestinationPolicy {
  const config = configOf({ FLOWLINE_CONNECT_DENY: deny, FLOWLINE_CONNECT_ALLOW: allow });
  return destinationPolicy({
    deny: config.connectDeny,
    allow: config.connectAllow,
    databaseUrl: OWN_DATABASE,
    resolve: dns,
  });
}

async function refusal(check: Promise<unknown>): Promise<DestinationRefusedError> {
  const error = await check.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DestinationRefusedError);
  return error as DestinationRefusedError;
}

describe('destination policy', () => {
  it('tells loopback, private and link-local addresses apart (IPv4-mapped IPv6 as IPv4)', () => {
    expect(addressRange('127.0.0.1')).toBe('loopback');
    expect(addressRange('0.0.0.0')).toBe('loopback');
    expect(addressRange('::1')).toBe('loopback');
    expect(addressRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(addressRange('10.0.0.1')).toBe('private');
    expect(addressRange('172.31.255.1')).toBe('private');
    expect(addressRange('192.168.0.1')).toBe('private');
    expect(addressRange('fd00::1')).toBe('private');
    expect(addressRange('169.254.169.254')).toBe('link-local');
    expect(addressRange('::ffff:169.254.169.254')).toBe('link-local');
    expect(addressRange('fe80::1')).toBe('link-local');
    expect(addressRange('93.184.215.14')).toBeUndefined();
    expect(addressRange('172.32.0.1')).toBeUndefined();
  });

  it('allows loopback and private addresses by default, and answers the checked addresses', async () => {
    expect(await checkDestination(policy(), 'localhost', 8080)).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(await checkDestination(policy(), 'db.internal', 5432)).toEqual([
      { address: '10.1.2.3', family: 4 },
    ]);
    expect(await checkDestination(policy(), 'api.example.com', 443)).toHaveLength(1);
  });

  it('denies loopback with FLOWLINE_CONNECT_DENY=loopback, and allows one host again with FLOWLINE_CONNECT_ALLOW', async () => {
    const denied = await refusal(checkDestination(policy('loopback'), 'localhost', 8080));
    expect(denied.rule).toBe('loopback');
    expect(denied.message).toBe(
      'localhost:8080 (127.0.0.1) is refused: loopback addresses are denied by FLOWLINE_CONNECT_DENY ' +
        '(rule loopback); allow this host with FLOWLINE_CONNECT_ALLOW',
    );
    expect((await refusal(checkDestination(policy('loopback'), '::ffff:127.0.0.1', 80))).rule).toBe(
      'loopback',
    );
    // Private ranges stay allowed: only what is listed is denied.
    expect(await checkDestination(policy('loopback'), 'db.internal', 5432)).toHaveLength(1);

    expect(await checkDestination(policy('loopback', 'localhost'), 'localhost', 8080)).toHaveLength(2);
    expect(await checkDestination(policy('loopback', '127.0.0.1, ::1'), 'localhost', 8080)).toHaveLength(2);
    // An exception with a port is only for that port.
    expect(await checkDestination(policy('loopback', 'localhost:8080'), 'localhost', 8080)).toHaveLength(2);
    await refusal(checkDestination(policy('loopback', 'localhost:8080'), 'localhost', 9090));
  });

  it('denies private ranges with FLOWLINE_CONNECT_DENY=private; a CIDR range of FLOWLINE_CONNECT_ALLOW is an exception', async () => {
    expect((await refusal(checkDestination(policy('loopback,private'), 'db.internal', 5432))).rule).toBe(
      'private',
    );
    expect(
      await checkDestination(policy('loopback,private', '10.1.0.0/16'), 'db.internal', 5432),
    ).toHaveLength(1);
    // One private address among public ones refuses the name: it must not smuggle one in.
    expect((await refusal(checkDestination(policy('private'), 'mixed.example.com', 443))).rule).toBe(
      'private',
    );
  });

  it('refuses link-local addresses (cloud metadata) by default, unless allowed', async () => {
    const direct = await refusal(checkDestination(policy(), '169.254.169.254', 80));
    expect(direct.rule).toBe('link-local');
    expect(direct.message).toContain('link-local addresses (cloud metadata services) are refused by default');
    expect((await refusal(checkDestination(policy(), 'metadata.example.com', 80))).rule).toBe('link-local');
    expect((await refusal(checkDestination(policy(), 'fe80::1', 80))).rule).toBe('link-local');
    expect(await checkDestination(policy('', '169.254.169.254'), '169.254.169.254', 80)).toHaveLength(1);
  });

  it("refuses Flowline's own database on every local address, unless an entry names it with its port", async () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::ffff:127.0.0.1']) {
      const own = await refusal(checkDestination(policy(), host, 5432));
      expect(own.rule).toBe('own-database');
    }
    const own = await refusal(checkDestination(policy(), 'localhost', 5432));
    expect(own.message).toBe(
      "localhost:5432 (127.0.0.1) is refused: it is Flowline's own database (rule own-database). Connect " +
        'to another server, or, where Flowline and your data deliberately share one, allow it with ' +
        'FLOWLINE_CONNECT_ALLOW=localhost:5432',
    );
    // Another port of the same machine is another server.
    expect(await checkDestination(policy(), '127.0.0.1', 5433)).toHaveLength(1);
    // A broad exception does not open the own database; only one naming its port does.
    await refusal(checkDestination(policy('', '127.0.0.0/8,localhost'), 'localhost', 5432));
    expect(await checkDestination(policy('', '127.0.0.1:5432'), '127.0.0.1', 5432)).toHaveLength(1);

    const remote = destinationPolicy({
      databaseUrl: 'postgres://flowline@db.internal:6432/flowline',
      resolve: dns,
    });
    expect((await refusal(checkDestination(remote, '10.1.2.3', 6432))).rule).toBe('own-database');
    expect(await checkDestination(remote, '127.0.0.1', 6432)).toHaveLength(1);
  });

  it('refuses Unix sockets unless their directory is allowed, and the own database socket always', () => {
    const remoteOwn = destinationPolicy({
      allow: parseAllowList('/var/run/postgresql'),
      databaseUrl: 'postgres://flowline@db.internal:5432/flowline',
    });
    expect(() => checkSocketDestination(policy(), '/tmp', 5433)).toThrow(/rule unix-socket/);
    expect(() => checkSocketDestination(remoteOwn, '/tmp', 5433)).toThrow(
      'the socket /tmp is refused: Unix sockets reach local servers as a local peer (rule unix-socket); ' +
        'allow the directory with FLOWLINE_CONNECT_ALLOW=/tmp',
    );
    expect(() => checkSocketDestination(remoteOwn, '/var/run/postgresql/', 5432)).not.toThrow();
    // The own database listens on this machine: its port over a socket is the own database.
    expect(() =>
      checkSocketDestination(policy('', '/var/run/postgresql'), '/var/run/postgresql', 5432),
    ).toThrow(/rule own-database/);
  });

  it('checks both settings at start, naming the variable and the bad entry', () => {
    expect(() => configOf({ FLOWLINE_CONNECT_DENY: 'loopback,everything' })).toThrow(ConfigError);
    expect(() => configOf({ FLOWLINE_CONNECT_DENY: 'loopback,everything' })).toThrow(
      /FLOWLINE_CONNECT_DENY.*: must be a comma-separated list of loopback, private/,
    );
    expect(() => configOf({ FLOWLINE_CONNECT_ALLOW: 'db.internal,10.0.0.0/99' })).toThrow(
      "Invalid configuration: FLOWLINE_CONNECT_ALLOW: '10.0.0.0/99': not an IP address or CIDR range",
    );
    expect(() => configOf({ FLOWLINE_CONNECT_ALLOW: 'db.internal:99999' })).toThrow(
      "'db.internal:99999': the port must be 1 to 65535",
    );
    expect(() => configOf({ FLOWLINE_CONNECT_ALLOW: 'http://x' })).toThrow(/not a host name/);
    expect(configOf({}).connectDeny).toEqual([]);
    expect(configOf({ FLOWLINE_CONNECT_ALLOW: '[fd00::1]:5432, db' }).connectAllow).toMatchObject([
      { kind: 'subnet', port: 5432, text: '[fd00::1]:5432' },
      { kind: 'host', host: 'db' },
    ]);
  });
});
