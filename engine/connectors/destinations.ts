import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import { ConnectorCallError } from './errors';

/**
 * Where connectors may connect. They run in the worker on the host network, so without a policy a flow
 * reaches whatever the worker can: loopback services that trust local peers, cloud metadata on
 * link-local addresses, Flowline's own database. The policy is checked on the addresses a host name
 * resolves to (the connector then connects to exactly those addresses, so a second DNS answer cannot
 * differ from the checked one) and again on every redirect.
 *
 * Rules, in order:
 * 1. Flowline's own database (the address and port of DATABASE_URL, any local address when that is
 *    local) is refused, unless an FLOWLINE_CONNECT_ALLOW entry names it with its port (`127.0.0.1:5432`).
 * 2. Link-local addresses (169.254.0.0/16, fe80::/10) are refused, unless allowed.
 * 3. Loopback and private ranges are allowed, unless FLOWLINE_CONNECT_DENY lists them; an allowed entry
 *    is an exception to the deny list.
 * 4. Unix sockets (a SQLPG host that is a path) are refused unless the directory is allowed.
 */

/** Address ranges that FLOWLINE_CONNECT_DENY may name. */
export const DENIABLE_RANGES = ['loopback', 'private'] as const;
export type DeniableRange = (typeof DENIABLE_RANGES)[number];
type AddressRange = DeniableRange | 'link-local';

/** One FLOWLINE_CONNECT_ALLOW entry: a host name, an address or CIDR range, or a socket directory; a port optionally. */
export type AllowEntry =
  | { kind: 'host'; host: string; port?: number; text: string }
  | { kind: 'subnet'; subnet: net.BlockList; port?: number; text: string }
  | { kind: 'socket'; directory: string; text: string };

export type DestinationPolicy = {
  deny: ReadonlySet<DeniableRange>;
  allow: readonly AllowEntry[];
  /** Flowline's own database, as its DATABASE_URL names it; undefined when not known (never in the engine). */
  ownDatabase: { host: string; port: number } | undefined;
  /** How host names become addresses: the system's resolver (dns.lookup), or a test's. */
  resolve: Resolver;
};

export type Resolver = (host: string) => Promise<CheckedAddress[]>;

/** A destination the policy refused; `rule` names the rule (`own-database`, `link-local`, `loopback`, ...). */
export class DestinationRefusedError extends ConnectorCallError {
  override name = 'DestinationRefusedError';
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/** A checked address, as the connector connects to it. */
export type CheckedAddress = { address: string; family: 4 | 6 };

const RANGES: ReadonlyArray<[AddressRange, string, number, 'ipv4' | 'ipv6']> = [
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  // 0.0.0.0 ("this host") connects to the local machine on Linux, as :: does.
  ['loopback', '0.0.0.0', 8, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['loopback', '::', 128, 'ipv6'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['private', '100.64.0.0', 10, 'ipv4'],
  ['private', 'fc00::', 7, 'ipv6'],
];

/** Which range an address falls in (IPv4-mapped IPv6 addresses as their IPv4 address), if any. */
export function addressRange(address: string): AddressRange | undefined {
  const plain = unmapped(address);
  const family = net.isIPv6(plain) ? 'ipv6' : 'ipv4';
  for (const [range, base, prefix, rangeFamily] of RANGES) {
    if (rangeFamily !== family) continue;
    const list = new net.BlockList();
    list.addSubnet(base, prefix, rangeFamily);
    if (list.check(plain, family)) return range;
  }
  return undefined;
}

/** `::ffff:127.0.0.1` is 127.0.0.1: checked as the IPv4 address it reaches. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : address;
}

/**
 * Parses FLOWLINE_CONNECT_ALLOW's entries (comma-separated): `db.internal`, `10.1.2.3`, `10.1.0.0/16`,
 * `[fd00::1]:5432`, `db.internal:5432`, `/var/run/postgresql`. Throws an Error naming a bad entry.
 */
export function parseAllowList(text: string): AllowEntry[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(parseAllowEntry);
}

function parseAllowEntry(text: string): AllowEntry {
  if (text.startsWith('/')) return { kind: 'socket', directory: text.replace(/\/+$/, '') || '/', text };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const hostPort = /^([^:/]+)(?::(\d+))?$/.exec(text);
  let host = text;
  let port: number | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else if (hostPort) {
    host = hostPort[1]!;
    port = hostPort[2] === undefined ? undefined : Number(hostPort[2]);
  }
  if (port !== undefined && !(port >= 1 && port <= 65535)) {
    throw new Error(`'${text}': the port must be 1 to 65535`);
  }
  const cidr = /^(.+)\/(\d{1,3})$/.exec(host);
  if (cidr || net.isIP(host)) {
    const address = unmapped(cidr ? cidr[1]! : host);
    const family = net.isIPv6(address) ? 'ipv6' : net.isIPv4(address) ? 'ipv4' : undefined;
    const prefix = cidr ? Number(cidr[2]) : family === 'ipv6' ? 128 : 32;
    if (!family || prefix > (family === 'ipv6' ? 128 : 32)) {
      throw new Error(`'${text}': not an IP address or CIDR range`);
    }
    const subnet = new net.BlockList();
    subnet.addSubnet(address, prefix, family);
    return { kind: 'subnet', subnet, port, text };
  }
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(host)) {
    throw new Error(`'${text}': not a host name, IP address, CIDR range or socket directory`);
  }
  return { kind: 'host', host: host.toLowerCase(), port, text };
}

/** Flowline's own database as a DATABASE_URL names it (pg's defaults: localhost, 5432). */
export function ownDatabaseOf(databaseUrl: string | undefined): DestinationPolicy['ownDatabase'] {
  if (!databaseUrl) return undefined;
  const url = new URL(databaseUrl);
  // `?host=/var/run/postgresql` names a socket directory, as libpq and pg read it.
  const host = url.searchParams.get('host') || url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  return { host, port: url.port ? Number(url.port) : 5432 };
}

export function destinationPolicy(options: {
  deny?: readonly DeniableRange[];
  allow?: readonly AllowEntry[];
  databaseUrl: string | undefined;
  resolve?: Resolver;
}): DestinationPolicy {
  return {
    deny: new Set(options.deny ?? []),
    allow: options.allow ?? [],
    ownDatabase: ownDatabaseOf(options.databaseUrl),
    resolve: options.resolve ?? resolveHost,
  };
}

async function resolveHost(host: string): Promise<CheckedAddress[]> {
  const answers = await dns.lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
}

/**
 * Checks a TCP destination: resolves the host, checks every address it resolves to (one refused
 * address refuses the host: a name must not be able to smuggle a private address among public ones),
 * and answers the checked addresses to connect to. Throws DestinationRefusedError naming the rule.
 */
export async function checkDestination(
  policy: DestinationPolicy,
  host: string,
  port: number,
): Promise<CheckedAddress[]> {
  const name = host.replace(/^\[(.*)\]$/, '$1');
  const addresses = await resolveOrFail(name, policy.resolve);
  const own = await ownDatabaseAddresses(policy);
  for (const { address } of addresses) {
    const where = name === address ? `${address}:${port}` : `${name}:${port} (${address})`;
    if (own?.port === port && own.matches(address) && !allowedWithPort(policy, name, address, port)) {
      throw new DestinationRefusedError(
        'own-database',
        `${where} is refused: it is Flowline's own database (rule own-database). Connect to another ` +
          `server, or, where Flowline and your data deliberately share one, allow it with ` +
          `FLOWLINE_CONNECT_ALLOW=${name.includes(':') ? `[${name}]` : name}:${port}`,
      );
    }
    const range = addressRange(address);
    const denied = range === 'link-local' || (range !== undefined && policy.deny.has(range));
    if (range && denied && !allowed(policy, name, address, port)) {
      const why =
        range === 'link-local'
          ? 'link-local addresses (cloud metadata services) are refused by default'
          : `${range} addresses are denied by FLOWLINE_CONNECT_DENY`;
      throw new DestinationRefusedError(
        range,
        `${where} is refused: ${why} (rule ${range}); allow this host with FLOWLINE_CONNECT_ALLOW`,
      );
    }
  }
  return addresses;
}

/** A Unix socket destination (a SQLPG host that is a directory): refused unless the directory is allowed. */
export function checkSocketDestination(policy: DestinationPolicy, directory: string, port: number): void {
  const normalised = directory.replace(/\/+$/, '') || '/';
  const own = policy.ownDatabase;
  const ownIsLocal = own !== undefined && (own.host.startsWith('/') || isLocalName(own.host));
  if (ownIsLocal && own.port === port) {
    throw new DestinationRefusedError(
      'own-database',
      `the socket ${normalised} (port ${port}) is refused: it may be Flowline's own database (rule own-database)`,
    );
  }
  const allowedHere = policy.allow.some((entry) => entry.kind === 'socket' && entry.directory === normalised);
  if (!allowedHere) {
    throw new DestinationRefusedError(
      'unix-socket',
      `the socket ${normalised} is refused: Unix sockets reach local servers as a local peer (rule unix-socket); ` +
        `allow the directory with FLOWLINE_CONNECT_ALLOW=${normalised}`,
    );
  }
}

async function resolveOrFail(host: string, resolve: Resolver): Promise<CheckedAddress[]> {
  if (net.isIP(host)) return [{ address: host, family: net.isIPv6(host) ? 6 : 4 }];
  let addresses: CheckedAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConnectorCallError(`cannot resolve host ${host} (${code})`);
  }
  if (addresses.length === 0) throw new ConnectorCallError(`cannot resolve host ${host} (no address)`);
  return addresses;
}

/**
 * Which addresses are the own database: its host's addresses; when that host is this machine, every
 * local address (loopback, "this host", this machine's interfaces), since all of them reach it.
 */
async function ownDatabaseAddresses(
  policy: DestinationPolicy,
): Promise<{ port: number; matches(address: string): boolean } | undefined> {
  const own = policy.ownDatabase;
  if (!own || own.host.startsWith('/')) return undefined;
  // An own host that does not resolve cannot be reached by a connector either.
  const resolved = net.isIP(own.host)
    ? [{ address: own.host }]
    : await policy.resolve(own.host).catch(() => []);
  const addresses = resolved.map((a) => unmapped(a.address));
  const local = isLocalName(own.host) || addresses.some(isLocalAddress);
  return {
    port: own.port,
    matches: (address) => {
      const plain = unmapped(address);
      return addresses.includes(plain) || (local && isLocalAddress(plain));
    },
  };
}

function isLocalName(host: string): boolean {
  return host === 'localhost' || (net.isIP(host) !== 0 && isLocalAddress(unmapped(host)));
}

function isLocalAddress(address: string): boolean {
  if (addressRange(address) === 'loopback') return true;
  return Object.values(os.networkInterfaces()).some((infos) =>
    (infos ?? []).some((info) => unmapped(info.address) === address),
  );
}

function entryMatches(entry: AllowEntry, host: string, address: string): boolean {
  if (entry.kind === 'host') return entry.host === host.toLowerCase();
  if (entry.kind === 'subnet') {
    const plain = unmapped(address);
    return entry.subnet.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
  }
  return false;
}

function allowed(policy: DestinationPolicy, host: string, address: string, port: number): boolean {
  return policy.allow.some(
    (entry) =>
      entry.kind !== 'socket' &&
      (entry.port === undefined || entry.port === port) &&
      entryMatches(entry, host, address),
  );
}

/** Only an entry naming the port lets a connector reach the own database: a broad range never does. */
function allowedWithPort(policy: DestinationPolicy, host: string, address: string, port: number): boolean {
  return policy.allow.some(
    (entry) => entry.kind !== 'socket' && entry.port === port && entryMatches(entry, host, address),
  );
}
