import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Where outgoing webhook requests may go. Tenants choose webhook URLs, so without this guard a tenant could make
// the API call into its own network: cloud metadata services (credentials), databases, admin ports on loopback.
// The URL is checked when an endpoint is made and again before each request; the addresses its host resolves to
// are checked when each connection is made (webhookLookup), so a name that later resolves somewhere private
// (DNS rebinding) is refused at that delivery. Operators can exempt hosts and ranges (development, on-premises).

export type WebhookAddressPolicy = {
  /** Whether plain http is refused (production); hosts in `allowedHosts` may use http regardless. */
  requireHttps: boolean;
  /** Hostnames (exact, case-insensitive), IP addresses and CIDR ranges reachable even though private. */
  allowedHosts: readonly string[];
};

const maxUrlLength = 2_048;

// Ranges with no business receiving webhooks: this host, private networks, cloud metadata, documentation and
// benchmarking ranges, multicast, and reserved space. IANA's special-purpose registries are the reference.
const forbiddenRanges: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT, also Alibaba Cloud's metadata at 100.100.100.200
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local: AWS, GCP and Azure metadata at 169.254.169.254
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments, including Oracle Cloud's metadata at 192.0.0.192
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['255.255.255.255', 32, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  // IPv4-compatible (::a.b.c.d), deprecated since 2006: nothing legitimate uses it, so it is refused whatever it embeds.
  ['::', 96, 'ipv6'],
  ['::ffff:0:0:0', 96, 'ipv6'], // IPv4-translated (RFC 2765)
  ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
  ['100::', 64, 'ipv6'], // discard-only
  // IETF protocol assignments, among them Teredo (2001::/32), whose embedded IPv4 is obfuscated and whose relays
  // are anyone's, so it is refused outright; also benchmarking and ORCHID.
  ['2001::', 23, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['3fff::', 20, 'ipv6'], // documentation (RFC 9637)
  ['fc00::', 7, 'ipv6'], // unique local, including AWS's metadata at fd00:ec2::254
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  // Everything outside 2000::/3 is unallocated or special (the explicit entries above document why); the IPv4
  // embeddings that live there (mapped, NAT64) are judged by their IPv4 address before this list is consulted.
  ['::', 3, 'ipv6'],
  ['4000::', 2, 'ipv6'],
  ['8000::', 1, 'ipv6'],
];

// One BlockList per family: a BlockList compares IPv4 addresses with its IPv6 entries as if they were IPv4-mapped
// (::ffff:a.b.c.d) and IPv4-mapped addresses with its IPv4 entries, so in one list ::/3 would match all of IPv4.
const forbidden = { ipv4: new BlockList(), ipv6: new BlockList() };
for (const [network, prefix, family] of forbiddenRanges) forbidden[family].addSubnet(network, prefix, family);

/** The eight 16-bit groups of a string `isIP` accepted as IPv6 without a zone. */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const [head = '', rest] = text.split('::');
  if (rest === undefined) return groups(head);
  const left = groups(head);
  const right = groups(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const ipv4From = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/** The IPv4 address in an IPv4-mapped IPv6 address (::ffff:a.b.c.d), which a connection to it reaches. */
function mappedIPv4(ip: string): string | null {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = ipv6Groups(ip);
  return g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff ? ipv4From(g6, g7) : null;
}

/** The IPv4 address a connection to this IPv6 address ends up reaching, for forms that embed one. */
function embeddedIPv4(ip: string): string | null {
  const mapped = mappedIPv4(ip);
  if (mapped !== null) return mapped;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = ipv6Groups(ip);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4From(g6, g7); // NAT64
  if (g0 === 0x2002) return ipv4From(g1, g2); // 6to4
  return null;
}

/**
 * Whether a webhook must never be sent to this address: loopback, private, link-local (cloud metadata),
 * reserved, multicast or documentation space, or an IPv6 form embedding such an IPv4 address. Anything that
 * is not a plain IP literal (a name, a zone-scoped address, garbage) is forbidden too.
 */
export function isForbiddenAddress(ip: string): boolean {
  if (typeof ip !== 'string') return true;
  const family = isIP(ip);
  if (family === 4) return forbidden.ipv4.check(ip, 'ipv4');
  // isIP accepts zone ids (fe80::1%eth0) but BlockList then matches nothing, so they must not reach it.
  if (family !== 6 || ip.includes('%')) return true;
  const embedded = embeddedIPv4(ip);
  if (embedded !== null) return forbidden.ipv4.check(embedded, 'ipv4');
  return forbidden.ipv6.check(ip, 'ipv6');
}

type AllowEntry =
  | { kind: 'name'; name: string }
  | { kind: 'address'; address: string; family: 'ipv4' | 'ipv6' }
  | { kind: 'range'; network: string; prefix: number; family: 'ipv4' | 'ipv6' }
  | { kind: 'bad'; problem: string };

const labelPattern = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
// A URL whose last label looks numeric is parsed as an IPv4 address (http://0x7f.1/ is 127.0.0.1), never as a name.
const numericLabelPattern = /^(?:\d+|0x[0-9a-f]*)$/;

/** Hostnames as URLs and DNS treat them: case-insensitive, and the root's trailing dot optional. */
const normaliseName = (name: string) => name.toLowerCase().replace(/\.+$/, '');

const familyOf = (ip: string) => (isIP(ip) === 4 ? 'ipv4' : 'ipv6');

function classifyEntry(entry: string): AllowEntry {
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    const network = entry.slice(0, slash);
    const prefixText = entry.slice(slash + 1);
    if (!isIP(network) || network.includes('%')) return { kind: 'bad', problem: `"${entry}" is not a hostname, IP address or CIDR range` };
    const family = familyOf(network);
    const most = family === 'ipv4' ? 32 : 128;
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > most) {
      return { kind: 'bad', problem: `"${entry}" is not a CIDR range: the prefix length must be a whole number from 0 to ${most}` };
    }
    return { kind: 'range', network: network.toLowerCase(), prefix, family };
  }
  const bare = entry.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) {
    if (bare.includes('%')) return { kind: 'bad', problem: `"${entry}" has a zone id; list the address without it` };
    return { kind: 'address', address: bare.toLowerCase(), family: familyOf(bare) };
  }
  const name = normaliseName(entry);
  const labels = name.split('.');
  if (name.length === 0 || name.length > 253 || !labels.every((label) => labelPattern.test(label))) {
    return { kind: 'bad', problem: `"${entry}" is not a hostname, IP address or CIDR range` };
  }
  if (numericLabelPattern.test(labels.at(-1) ?? '')) {
    return { kind: 'bad', problem: `"${entry}" is neither a hostname nor an IP address written as a.b.c.d` };
  }
  return { kind: 'name', name };
}

/**
 * The allowlist from a comma-separated setting (e.g. `localhost,127.0.0.0/8,::1,hooks.corp.example`), with
 * one problem per entry that is not a hostname, an IP address or a CIDR range.
 */
export function parseAllowedHosts(text: string): { hosts: string[]; problems: string[] } {
  const hosts: string[] = [];
  const problems: string[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const parsed = classifyEntry(entry);
    if (parsed.kind === 'bad') {
      problems.push(parsed.problem);
      continue;
    }
    const host = parsed.kind === 'name' ? parsed.name : parsed.kind === 'address' ? parsed.address : `${parsed.network}/${parsed.prefix}`;
    if (!hosts.includes(host)) hosts.push(host);
  }
  return { hosts, problems };
}

type Allowance = { names: ReadonlySet<string>; addresses: { ipv4: BlockList; ipv6: BlockList } };

// Keyed on the list, not the policy, so a policy given a new list is not served the old one's rules.
const allowances = new WeakMap<readonly string[], Allowance>();

function allowanceOf(policy: WebhookAddressPolicy): Allowance {
  const cached = allowances.get(policy.allowedHosts);
  if (cached) return cached;
  const names = new Set<string>();
  const addresses = { ipv4: new BlockList(), ipv6: new BlockList() };
  // Entries that do not parse grant nothing (configuration reports them, via parseAllowedHosts).
  for (const entry of policy.allowedHosts) {
    const parsed = classifyEntry(entry.trim());
    if (parsed.kind === 'name') names.add(parsed.name);
    else if (parsed.kind === 'address') addresses[parsed.family].addAddress(parsed.address, parsed.family);
    else if (parsed.kind === 'range') addresses[parsed.family].addSubnet(parsed.network, parsed.prefix, parsed.family);
  }
  const allowance = { names, addresses };
  allowances.set(policy.allowedHosts, allowance);
  return allowance;
}

function isAllowedAddress(ip: string, allowance: Allowance): boolean {
  const family = isIP(ip);
  if (family === 0 || ip.includes('%')) return false;
  if (family === 4) return allowance.addresses.ipv4.check(ip, 'ipv4');
  // A connection to ::ffff:127.0.0.1 reaches 127.0.0.1, so listing either form allows it.
  const mapped = mappedIPv4(ip);
  return allowance.addresses.ipv6.check(ip, 'ipv6') || (mapped !== null && allowance.addresses.ipv4.check(mapped, 'ipv4'));
}

const localSuffixes = ['.localhost', '.internal', '.local', '.home.arpa'];
const isLocalName = (name: string) => name === 'localhost' || localSuffixes.some((suffix) => name.endsWith(suffix));

/**
 * Why a webhook may not be sent to this URL, as a sentence for the API client, or null if it may. Hosts given
 * by name are only checked by name here; their addresses are checked by resolveWebhookHost and webhookLookup.
 */
export function checkWebhookUrl(text: string, policy: WebhookAddressPolicy): string | null {
  if (typeof text !== 'string' || text.length > maxUrlLength) return `The URL must be at most ${maxUrlLength} characters long`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'The URL must be an absolute URL, such as https://example.com/webhooks';
  }
  if (url.href.length > maxUrlLength) return `The URL must be at most ${maxUrlLength} characters long once normalised`;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return policy.requireHttps ? 'The URL must start with https://' : 'The URL must start with https:// or http://';
  }
  if (url.username !== '' || url.password !== '') return 'The URL must not contain a username or password';
  // URL drops an empty fragment ("…/hook#") from `hash` but keeps the "#" in `href`.
  if (url.href.includes('#')) return 'The URL must not contain a fragment (#…); receivers never see it';
  const bare = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const host = isIP(bare) ? bare : normaliseName(bare);
  if (host === '') return 'The URL must have a host';

  const allowance = allowanceOf(policy);
  const allowed = allowance.names.has(host) || (isIP(host) !== 0 && isAllowedAddress(host, allowance));
  if (url.protocol === 'http:' && policy.requireHttps && !allowed) return 'The URL must start with https://';
  if (allowed) return null;
  if (isIP(host)) return isForbiddenAddress(host) ? `The URL's host ${host} is a private or reserved address, which webhooks may not reach` : null;
  if (isLocalName(host)) return `The URL's host ${host} is a local name, which webhooks may not reach`;
  return null;
}

function refusalOf(hostname: string, addresses: readonly LookupAddress[], allowance: Allowance): string | null {
  if (allowance.names.has(normaliseName(hostname))) return null;
  const refused = addresses.find(({ address }) => isForbiddenAddress(address) && !isAllowedAddress(address, allowance));
  return refused ? `webhook host ${hostname} resolves to ${refused.address}, a private or reserved address` : null;
}

function lookupAll(hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) {
  try {
    dns.lookup(hostname, { ...options, all: true }, callback);
  } catch (error) {
    process.nextTick(callback, error as NodeJS.ErrnoException, []);
  }
}

/**
 * A `lookup` for http(s).request and Agents that resolves as dns.lookup does, then fails the connection with an
 * `EWEBHOOKADDRESS` error if any address the host resolves to is forbidden and not allowlisted: any, not just
 * the one connected to, because Node may try them all (autoSelectFamily). Node calls it for every connection, so
 * every delivery is checked against what the name resolves to then. Node skips `lookup` for IP-literal hosts,
 * so callers must also run checkWebhookUrl before every request.
 */
/** The `code` of the error webhookLookup calls back with for a destination it refuses (errno-style, like ENOTFOUND). */
export const addressRefusedCode = 'EWEBHOOKADDRESS';

/** A lookup failure as Node's own resolver reports one: an Error with an errno-style code and the hostname. */
const lookupError = (message: string, errno: string, hostname: string) => Object.assign(new Error(message), { code: errno, hostname });

export function webhookLookup(policy: WebhookAddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const allowance = allowanceOf(policy);
    const wanted: LookupOptions = typeof options === 'number' ? { family: options } : { ...options };
    lookupAll(hostname, wanted, (error, addresses) => {
      if (error) return callback(error, wanted.all ? [] : '');
      const first = addresses[0];
      if (!first) return callback(lookupError(`webhook host ${hostname} has no addresses`, 'ENOTFOUND', hostname), wanted.all ? [] : '');
      const refusal = refusalOf(hostname, addresses, allowance);
      if (refusal) return callback(lookupError(refusal, addressRefusedCode, hostname), wanted.all ? [] : '');
      if (wanted.all) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

const notFoundCodes = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * Why a webhook may not be sent to this host (a hostname, or an IP address with or without brackets) given
 * what it resolves to now, as a sentence for the API client, or null if it may. For endpoint creation and
 * changes; deliveries check again through webhookLookup, as what a name resolves to can change.
 */
export function resolveWebhookHost(hostname: string, policy: WebhookAddressPolicy): Promise<string | null> {
  const allowance = allowanceOf(policy);
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return Promise.resolve('The URL must have a host');
  if (isIP(host)) {
    const refused = isForbiddenAddress(host) && !isAllowedAddress(host, allowance);
    return Promise.resolve(refused ? `The URL's host ${host} is a private or reserved address, which webhooks may not reach` : null);
  }
  return new Promise((resolve) => {
    lookupAll(host, {}, (error, addresses) => {
      if (error) {
        const code = error.code ?? 'error';
        resolve(notFoundCodes.has(code) ? `The URL's host ${host} does not resolve` : `The URL's host ${host} could not be resolved (${code}); try again`);
      } else if (addresses.length === 0) {
        resolve(`The URL's host ${host} does not resolve`);
      } else {
        const refusal = refusalOf(host, addresses, allowance);
        resolve(refusal ? `The ${refusal}, which webhooks may not reach` : null);
      }
    });
  });
}
