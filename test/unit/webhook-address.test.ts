import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkWebhookUrl,
  isForbiddenAddress,
  parseAllowedHosts,
  resolveWebhookHost,
  type WebhookAddressPolicy,
  webhookLookup,
} from '../../src/infra/webhook-address.js';

const policy = (allowedHosts: string[] = [], requireHttps = false): WebhookAddressPolicy => ({ requireHttps, allowedHosts });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('isForbiddenAddress', () => {
  it.each([
    ['0.0.0.0', 'this network'],
    ['0.255.255.255', 'this network'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'Alibaba Cloud metadata'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'AWS, GCP and Azure metadata'],
    ['169.254.0.1', 'link-local'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12'],
    ['192.0.0.192', 'IETF protocol assignments (Oracle Cloud metadata)'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['192.168.1.1', 'private 192.168/16'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.9', 'TEST-NET-3'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.254', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback, uncompressed'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'AWS metadata over IPv6'],
    ['FD12:3456:789A::1', 'unique local, upper case'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['ff05::1:3', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:db8:ffff::1', 'documentation'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['100::1', 'discard-only'],
    ['100::ffff:ffff:ffff:ffff', 'discard-only'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001::1', 'Teredo'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['4000::1', 'outside global unicast'],
    ['e000::1', 'outside global unicast'],
  ])('%s (%s) is forbidden', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each([
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback in hex, as WHATWG URL writes it'],
    ['::FFFF:7F00:0001', 'IPv4-mapped loopback in upper-case hex'],
    ['0:0:0:0:0:ffff:127.0.0.1', 'IPv4-mapped loopback, uncompressed'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata in hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::7f00:1', 'IPv4-compatible loopback in hex'],
    ['::169.254.169.254', 'IPv4-compatible metadata'],
    ['::a9fe:a9fe', 'IPv4-compatible metadata in hex'],
    ['::8.8.8.8', 'IPv4-compatible, deprecated whatever it embeds'],
    ['64:ff9b::127.0.0.1', 'NAT64 loopback'],
    ['64:ff9b::7f00:1', 'NAT64 loopback in hex'],
    ['64:ff9b::169.254.169.254', 'NAT64 metadata'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 metadata in hex'],
    ['2002:7f00:1::', '6to4 loopback'],
    ['2002:7f00:0001:1234::1', '6to4 loopback with a subnet and host'],
    ['2002:a9fe:a9fe::1', '6to4 metadata'],
    ['2002:a00:1::1', '6to4 private'],
  ])('%s (%s) is forbidden', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.1',
    '169.253.255.255',
    '169.255.0.1',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.1',
    '192.0.3.1',
    '192.167.255.255',
    '192.169.0.1',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001:82b::200e',
    '2001:200::1',
    '2001:db7:ffff::1',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '64:ff9b::101:101',
    '2002:808:808::1',
  ])('%s is public', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it.each([
    '',
    'localhost',
    'example.com',
    '127.1',
    '0x7f.1',
    '0x7f000001',
    '2130706433',
    '017700000001',
    '01.2.3.4',
    '127.0.0.1 ',
    ' 8.8.8.8',
    '[::1]',
    '[2606:4700:4700::1111]',
    '::1%lo',
    'fe80::1%eth0',
    '2606:4700:4700::1111%eth0',
    '1.2.3.4.5',
    '256.0.0.1',
    '::ffff:1.2.3.256',
    'gggg::1',
    '1:2:3:4:5:6:7:8:9',
    '8.8.8.8/32',
    'http://8.8.8.8',
  ])('%o is not an IP literal, so it is forbidden', (text) => {
    expect(isForbiddenAddress(text)).toBe(true);
  });

  it('fails closed for values of the wrong type', () => {
    const untyped = isForbiddenAddress as (value: unknown) => boolean;
    for (const value of [undefined, null, 2130706433, ['8.8.8.8'], { toString: () => '8.8.8.8' }]) expect(untyped(value)).toBe(true);
  });
});

describe('checkWebhookUrl', () => {
  it.each([
    'https://example.com/hook',
    'https://example.com:8443/hooks/numbers?token=abc',
    'HTTPS://EXAMPLE.COM/hook',
    'http://example.com/hook',
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://xn--bcher-kva.example/hook',
    'https://bücher.example/hook',
    'https://local.example.com/hook',
    'https://internal.example.com/hook',
  ])('accepts %s', (url) => {
    expect(checkWebhookUrl(url, policy())).toBeNull();
  });

  it.each([
    ['ftp://example.com/hook', /https:\/\/ or http:\/\//],
    ['javascript:alert(1)', /https:\/\/ or http:\/\//],
    ['file:///etc/passwd', /https:\/\/ or http:\/\//],
    ['data:text/plain,hello', /https:\/\/ or http:\/\//],
    ['ws://example.com/hook', /https:\/\/ or http:\/\//],
    ['https://user:pass@example.com/hook', /username or password/],
    ['https://user@example.com/hook', /username or password/],
    ['https://:pass@example.com/hook', /username or password/],
    ['', /absolute URL/],
    ['not a url', /absolute URL/],
    ['/relative/hook', /absolute URL/],
    ['example.com/hook', /absolute URL/],
    ['https://', /absolute URL/],
    ['https://exa mple.com/', /absolute URL/],
    ['https://example.com/hook#section', /fragment/],
    ['https://example.com/hook#', /fragment/],
    ['http://127.0.0.1/', /127\.0\.0\.1 is a private or reserved address/],
    ['http://127.0.0.1:8080/hook', /127\.0\.0\.1 is a private or reserved address/],
    ['http://0.0.0.0/', /0\.0\.0\.0 is a private/],
    ['http://0/', /0\.0\.0\.0 is a private/],
    ['http://10.0.0.8/hook', /10\.0\.0\.8 is a private/],
    ['http://192.168.1.1/hook', /192\.168\.1\.1 is a private/],
    ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254 is a private/],
    ['http://100.100.100.200/latest/meta-data', /100\.100\.100\.200 is a private/],
    ['http://[::1]/', /::1 is a private/],
    ['http://[::]/', /:: is a private/],
    ['http://[::ffff:127.0.0.1]/', /::ffff:7f00:1 is a private/],
    ['http://[::ffff:169.254.169.254]/', /::ffff:a9fe:a9fe is a private/],
    ['http://[64:ff9b::127.0.0.1]/', /64:ff9b::7f00:1 is a private/],
    ['http://[fd00:ec2::254]/latest/meta-data', /fd00:ec2::254 is a private/],
    ['http://[fe80::1%25eth0]/', /absolute URL/],
    // WHATWG URL reads these numeric forms as 127.0.0.1, as browsers and Node's http do.
    ['http://2130706433/', /127\.0\.0\.1 is a private/],
    ['http://0x7f.1/', /127\.0\.0\.1 is a private/],
    ['http://0x7f000001/', /127\.0\.0\.1 is a private/],
    ['http://0177.0.0.1/', /127\.0\.0\.1 is a private/],
    ['http://017700000001/', /127\.0\.0\.1 is a private/],
    ['http://127.1/', /127\.0\.0\.1 is a private/],
    ['http://１２７.０.０.１/', /127\.0\.0\.1 is a private/],
    ['http://localhost/', /localhost is a local name/],
    ['http://LOCALHOST:3000/hook', /localhost is a local name/],
    ['http://localhost./', /localhost is a local name/],
    ['http://%6c%6fcalhost/', /localhost is a local name/],
    ['http://app.localhost/', /app\.localhost is a local name/],
    ['http://metadata.google.internal/computeMetadata/v1/', /metadata\.google\.internal is a local name/],
    ['http://printer.local/', /printer\.local is a local name/],
    ['http://router.home.arpa/', /router\.home\.arpa is a local name/],
  ])('refuses %s', (url, reason) => {
    const problem = checkWebhookUrl(url, policy());
    expect(problem).toMatch(reason);
    expect(problem).toMatch(/^The URL/);
  });

  it('refuses a URL longer than 2048 characters, as written or once percent-encoded', () => {
    expect(checkWebhookUrl(`https://example.com/${'a'.repeat(3_000)}`, policy())).toBe('The URL must be at most 2048 characters long');
    expect(checkWebhookUrl(`https://example.com/${'a'.repeat(2_048 - 20)}`, policy())).toBeNull();
    expect(checkWebhookUrl(`https://example.com/${'a'.repeat(2_048 - 19)}`, policy())).toMatch(/at most 2048/);
    // 1,000 characters as typed, 6,000 once each é becomes %C3%A9.
    expect(checkWebhookUrl(`https://example.com/${'é'.repeat(1_000)}`, policy())).toMatch(/at most 2048 characters long once normalised/);
  });

  it('refuses plain http when https is required, unless the host is allowlisted', () => {
    const strict = policy(['localhost', '127.0.0.1', 'hooks.corp.example'], true);
    expect(checkWebhookUrl('http://example.com/hook', strict)).toBe('The URL must start with https://');
    expect(checkWebhookUrl('ftp://example.com/hook', strict)).toBe('The URL must start with https://');
    expect(checkWebhookUrl('https://example.com/hook', strict)).toBeNull();
    expect(checkWebhookUrl('http://hooks.corp.example/hook', strict)).toBeNull();
    expect(checkWebhookUrl('http://localhost:3000/hook', strict)).toBeNull();
    expect(checkWebhookUrl('http://127.0.0.1:3000/hook', strict)).toBeNull();
    expect(checkWebhookUrl('http://8.8.8.8/hook', strict)).toBe('The URL must start with https://');
  });

  it('accepts allowlisted hosts and addresses, exactly as listed', () => {
    const allowed = policy(['localhost', '127.0.0.1', 'Hooks.Corp.Internal']);
    expect(checkWebhookUrl('http://localhost:3000/hook', allowed)).toBeNull();
    expect(checkWebhookUrl('http://LOCALHOST./hook', allowed)).toBeNull();
    expect(checkWebhookUrl('http://127.0.0.1:3000/hook', allowed)).toBeNull();
    expect(checkWebhookUrl('http://2130706433/hook', allowed)).toBeNull();
    expect(checkWebhookUrl('http://[::ffff:127.0.0.1]/hook', allowed)).toBeNull();
    expect(checkWebhookUrl('http://hooks.corp.internal/hook', allowed)).toBeNull();
    expect(checkWebhookUrl('http://app.localhost/hook', allowed)).toMatch(/local name/);
    expect(checkWebhookUrl('http://127.0.0.2/hook', allowed)).toMatch(/private/);
    expect(checkWebhookUrl('http://[::1]/hook', allowed)).toMatch(/private/);
    // The allowlist exempts from the address rules only: the URL must still be well formed.
    expect(checkWebhookUrl('http://user:pw@localhost/hook', allowed)).toMatch(/username or password/);
    expect(checkWebhookUrl('http://localhost/hook#x', allowed)).toMatch(/fragment/);
  });

  it('accepts addresses inside allowlisted ranges', () => {
    const ranges = policy(['127.0.0.0/8', 'fd00::/8', '10.1.2.3']);
    expect(checkWebhookUrl('http://127.0.0.2/hook', ranges)).toBeNull();
    expect(checkWebhookUrl('http://[::ffff:127.0.0.9]/hook', ranges)).toBeNull();
    expect(checkWebhookUrl('http://[fd12::1]/hook', ranges)).toBeNull();
    expect(checkWebhookUrl('http://10.1.2.3/hook', ranges)).toBeNull();
    expect(checkWebhookUrl('http://10.1.2.4/hook', ranges)).toMatch(/private/);
    expect(checkWebhookUrl('http://[::1]/hook', ranges)).toMatch(/private/);
    expect(checkWebhookUrl('http://[fe80::1]/hook', ranges)).toMatch(/private/);
    expect(checkWebhookUrl('http://localhost/hook', ranges)).toMatch(/local name/);
  });

  it('lets entries that do not parse grant nothing, without throwing', () => {
    const broken = policy(['not valid!', '10.0.0.0/99', '', '*.internal']);
    expect(checkWebhookUrl('http://10.0.0.1/hook', broken)).toMatch(/private/);
    expect(checkWebhookUrl('http://a.internal/hook', broken)).toMatch(/local name/);
  });

  it('refuses values of the wrong type from untyped callers', () => {
    const untyped = checkWebhookUrl as (value: unknown, policy: WebhookAddressPolicy) => string | null;
    expect(untyped(undefined, policy())).toEqual(expect.any(String));
    expect(untyped(new URL('https://example.com/'), policy())).toEqual(expect.any(String));
  });
});

describe('parseAllowedHosts', () => {
  it('reads a comma-separated list of names, addresses and ranges', () => {
    expect(parseAllowedHosts(' localhost, 127.0.0.0/8 ,::1,FD00::/8 , 10.1.2.3,Hooks.Example.COM.,[::2],localhost,0.0.0.0/0,_svc.example')).toEqual({
      hosts: ['localhost', '127.0.0.0/8', '::1', 'fd00::/8', '10.1.2.3', 'hooks.example.com', '::2', '0.0.0.0/0', '_svc.example'],
      problems: [],
    });
  });

  it.each(['', ' ', ',', ' , ,, '])('reads %o as an empty list', (text) => {
    expect(parseAllowedHosts(text)).toEqual({ hosts: [], problems: [] });
  });

  it.each([
    ['10.0.0.0/33', /prefix length .* 0 to 32/],
    ['::/129', /prefix length .* 0 to 128/],
    ['fd00::/200', /prefix length .* 0 to 128/],
    ['10.0.0.0/-1', /prefix length/],
    ['10.0.0.0/8/8', /prefix length/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.0/ 8', /prefix length/],
    ['10.0.0.0/1e1', /prefix length/],
    ['nope/8', /not a hostname, IP address or CIDR range/],
    ['10.0.0/8', /not a hostname, IP address or CIDR range/],
    ['fe80::%eth0/10', /not a hostname, IP address or CIDR range/],
    ['fe80::1%eth0', /zone/],
    ['foo bar', /not a hostname, IP address or CIDR range/],
    ['*.example.com', /not a hostname/],
    ['http://example.com', /not a hostname/],
    ['example.com:8080', /not a hostname/],
    ['-bad.example', /not a hostname/],
    ['bad-.example', /not a hostname/],
    ['a..b', /not a hostname/],
    [`${'a'.repeat(64)}.example`, /not a hostname/],
    [`${'a.'.repeat(127)}ab`, /not a hostname/],
    ['bücher.example', /not a hostname/],
    ['127.1', /neither a hostname nor an IP address/],
    ['0x7f.1', /neither a hostname nor an IP address/],
    ['2130706433', /neither a hostname nor an IP address/],
    ['256.1.1.1', /neither a hostname nor an IP address/],
  ])('reports %o', (entry, reason) => {
    const parsed = parseAllowedHosts(`localhost,${entry},::1`);
    expect(parsed.hosts).toEqual(['localhost', '::1']);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toContain(`"${entry.trim()}"`);
    expect(parsed.problems[0]).toMatch(reason);
  });

  it('reports every bad entry', () => {
    expect(parseAllowedHosts('a b,10.0.0.0/33,ok.example').problems).toHaveLength(2);
  });
});

type LookupResult = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

const lookUp = (lookup: LookupFunction, hostname: string, options: LookupOptions) =>
  new Promise<LookupResult>((resolve) => lookup(hostname, options, (error, address, family) => resolve({ error, address, family })));

async function addressesOfLocalhost() {
  return (await dns.promises.lookup('localhost', { all: true })).map(({ address }) => address);
}

/** Replaces dns.lookup with a resolver answering from `answers` (a function of the call number, for rebinding). */
function fakeDns(answers: (hostname: string, call: number) => LookupAddress[] | NodeJS.ErrnoException) {
  let calls = 0;
  const fake = (hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    const answer = answers(hostname, calls++);
    expect(options.all).toBe(true);
    process.nextTick(() => (Array.isArray(answer) ? callback(null, answer) : callback(answer, [])));
  };
  return vi.spyOn(dns, 'lookup').mockImplementation(fake as unknown as typeof dns.lookup);
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });
const dnsError = (code: string) => Object.assign(new Error(`getaddrinfo ${code}`), { code });

describe('webhookLookup', () => {
  it.each([true, false])('refuses localhost, which resolves to loopback (all: %s)', async (all) => {
    const { error, address } = await lookUp(webhookLookup(policy()), 'localhost', { all });
    expect(error?.code).toBe('EWEBHOOKADDRESS');
    expect(error?.message).toMatch(/^webhook host localhost resolves to (127\.0\.0\.1|::1), a private or reserved address$/);
    expect(address).toEqual(all ? [] : '');
  });

  it.each([true, false])('resolves localhost when it is allowlisted by name (all: %s)', async (all) => {
    const expected = await addressesOfLocalhost();
    const { error, address, family } = await lookUp(webhookLookup(policy(['localhost'])), 'localhost', { all });
    expect(error).toBeNull();
    if (all) {
      expect((address as LookupAddress[]).map((entry) => entry.address)).toEqual(expected);
    } else {
      expect(address).toBe(expected[0]);
      expect(family).toBe(expected[0]!.includes(':') ? 6 : 4);
    }
  });

  it.each([true, false])('resolves localhost when its addresses are allowlisted by range (all: %s)', async (all) => {
    const expected = await addressesOfLocalhost();
    expect((await lookUp(webhookLookup(policy(['127.0.0.0/8', '::1'])), 'localhost', { all })).error).toBeNull();
    // With only the IPv4 range listed, localhost is allowed only if it resolves to nothing else.
    const onlyV4 = await lookUp(webhookLookup(policy(['127.0.0.0/8'])), 'localhost', { all });
    expect(onlyV4.error?.code).toBe(expected.every((address) => address.startsWith('127.')) ? undefined : 'EWEBHOOKADDRESS');
  });

  it('passes the options on, asking for every address, and answers in the form asked for', async () => {
    const spy = fakeDns(() => [v4('93.184.215.14'), v6('2606:2800:21f:cb07:6820:80da:af6b:8b2c')]);
    const lookup = webhookLookup(policy());
    expect(await lookUp(lookup, 'example.test', { all: false, family: 0, hints: dns.ADDRCONFIG })).toEqual({
      error: null,
      address: '93.184.215.14',
      family: 4,
    });
    expect(spy).toHaveBeenLastCalledWith('example.test', { all: true, family: 0, hints: dns.ADDRCONFIG }, expect.any(Function));
    expect(await lookUp(lookup, 'example.test', { all: true, family: 6 })).toEqual({
      error: null,
      address: [v4('93.184.215.14'), v6('2606:2800:21f:cb07:6820:80da:af6b:8b2c')],
      family: undefined,
    });
    expect(spy).toHaveBeenLastCalledWith('example.test', { all: true, family: 6 }, expect.any(Function));
  });

  it.each([
    [[v4('10.0.0.1')], '10.0.0.1'],
    [[v4('93.184.215.14'), v4('10.0.0.1')], '10.0.0.1'],
    [[v6('2606:4700:4700::1111'), v6('fd00:ec2::254')], 'fd00:ec2::254'],
    [[v6('::ffff:169.254.169.254')], '::ffff:169.254.169.254'],
    [[v4('169.254.169.254')], '169.254.169.254'],
  ])('refuses a host when any of its addresses is forbidden (%j)', async (answer, refused) => {
    fakeDns(() => answer);
    for (const all of [true, false]) {
      const { error } = await lookUp(webhookLookup(policy()), 'example.test', { all });
      expect(error).toMatchObject({ code: 'EWEBHOOKADDRESS', message: `webhook host example.test resolves to ${refused}, a private or reserved address` });
    }
  });

  it('allows private addresses inside allowlisted ranges, and allowlisted names whatever they resolve to', async () => {
    fakeDns((hostname) => (hostname === 'hooks.corp.example' ? [v4('192.168.7.7'), v6('fd00::7')] : [v4('10.0.0.1'), v4('10.9.9.9')]));
    expect((await lookUp(webhookLookup(policy(['10.0.0.0/8'])), 'example.test', { all: true })).error).toBeNull();
    expect((await lookUp(webhookLookup(policy(['10.0.0.1'])), 'example.test', { all: true })).error?.message).toMatch(/10\.9\.9\.9/);
    expect((await lookUp(webhookLookup(policy(['HOOKS.corp.example'])), 'hooks.corp.example', { all: true })).error).toBeNull();
    expect((await lookUp(webhookLookup(policy(['hooks.corp.example'])), 'hooks.corp.example.', { all: false })).error).toBeNull();
    expect((await lookUp(webhookLookup(policy(['hooks.corp.example'])), 'example.test', { all: true })).error?.code).toBe('EWEBHOOKADDRESS');
  });

  it('checks again at every connection, so a name that later resolves to a private address is refused then', async () => {
    fakeDns((_hostname, call) => (call === 0 ? [v4('93.184.215.14')] : [v4('127.0.0.1')]));
    const lookup = webhookLookup(policy());
    expect((await lookUp(lookup, 'rebind.example', { all: false })).error).toBeNull();
    expect((await lookUp(lookup, 'rebind.example', { all: false })).error?.code).toBe('EWEBHOOKADDRESS');
  });

  it('passes DNS failures on unchanged', async () => {
    fakeDns(() => dnsError('ENOTFOUND'));
    for (const all of [true, false]) {
      const { error } = await lookUp(webhookLookup(policy()), 'missing.example', { all });
      expect(error).toMatchObject({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' });
    }
  });
});

describe('resolveWebhookHost', () => {
  it('judges IP literals without asking DNS', async () => {
    const spy = vi.spyOn(dns, 'lookup');
    expect(await resolveWebhookHost('127.0.0.1', policy())).toMatch(/127\.0\.0\.1 is a private or reserved address/);
    expect(await resolveWebhookHost('[::1]', policy())).toMatch(/::1 is a private or reserved address/);
    expect(await resolveWebhookHost('::ffff:7f00:1', policy())).toMatch(/private/);
    expect(await resolveWebhookHost('8.8.8.8', policy())).toBeNull();
    expect(await resolveWebhookHost('[2606:4700:4700::1111]', policy())).toBeNull();
    expect(await resolveWebhookHost('127.0.0.1', policy(['127.0.0.0/8']))).toBeNull();
    expect(await resolveWebhookHost('[::1]', policy(['::1']))).toBeNull();
    expect(spy).not.toHaveBeenCalled();
  });

  it('refuses localhost unless it is allowlisted', async () => {
    expect(await resolveWebhookHost('localhost', policy())).toMatch(
      /^The webhook host localhost resolves to (127\.0\.0\.1|::1), a private or reserved address, which webhooks may not reach$/,
    );
    expect(await resolveWebhookHost('localhost', policy(['localhost']))).toBeNull();
  });

  it('names the forbidden address among those a host resolves to', async () => {
    fakeDns(() => [v4('93.184.215.14'), v4('169.254.169.254')]);
    expect(await resolveWebhookHost('example.test', policy())).toBe(
      'The webhook host example.test resolves to 169.254.169.254, a private or reserved address, which webhooks may not reach',
    );
    expect(await resolveWebhookHost('example.test', policy(['169.254.0.0/16']))).toBeNull();
  });

  it('accepts a host that resolves only to public addresses', async () => {
    fakeDns(() => [v4('93.184.215.14'), v6('2606:2800:21f:cb07:6820:80da:af6b:8b2c')]);
    expect(await resolveWebhookHost('example.test', policy())).toBeNull();
  });

  it.each([
    ['ENOTFOUND', /^The URL's host missing\.example does not resolve$/],
    ['ENODATA', /does not resolve/],
    ['EAI_AGAIN', /could not be resolved \(EAI_AGAIN\); try again/],
    ['ESERVFAIL', /could not be resolved \(ESERVFAIL\)/],
  ])('explains a DNS failure (%s)', async (code, reason) => {
    fakeDns(() => dnsError(code));
    expect(await resolveWebhookHost('missing.example', policy())).toMatch(reason);
  });

  it('answers rather than rejecting when there is no host or dns.lookup throws', async () => {
    await expect(resolveWebhookHost('', policy())).resolves.toMatch(/must have a host/);
    vi.spyOn(dns, 'lookup').mockImplementation(() => {
      throw Object.assign(new TypeError('The argument hostname is invalid'), { code: 'ERR_INVALID_ARG_VALUE' });
    });
    await expect(resolveWebhookHost(`${'a'.repeat(300)}.example`, policy())).resolves.toMatch(/could not be resolved \(ERR_INVALID_ARG_VALUE\)/);
  });
});

describe('webhookLookup with a real http request', () => {
  type Outcome = { status: number } | { error: NodeJS.ErrnoException };

  async function startServer() {
    const seen = { connections: 0, requests: 0 };
    const server = http.createServer((_request, response) => {
      seen.requests += 1;
      response.end('ok');
    });
    server.on('connection', () => {
      seen.connections += 1;
    });
    // Dual-stack, so the test holds whether localhost resolves to 127.0.0.1, ::1 or both; IPv4 alone where IPv6 is off.
    await new Promise<void>((resolve, reject) => {
      server.once('error', () => {
        server.once('error', reject);
        server.listen({ port: 0, host: '127.0.0.1' }, resolve);
      });
      server.listen({ port: 0, host: '::', ipv6Only: false }, resolve);
    });
    const { port } = server.address() as AddressInfo;
    const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    return { port, seen, close };
  }

  const get = (url: string, allowedHosts: string[]) =>
    new Promise<Outcome>((resolve) => {
      http
        .get(url, { lookup: webhookLookup(policy(allowedHosts)), agent: false }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        })
        .on('error', (error) => resolve({ error }));
    });

  it('refuses the connection before anything is sent when localhost is not allowlisted', async () => {
    const server = await startServer();
    try {
      const outcome = await get(`http://localhost:${server.port}/hook`, []);
      expect(outcome).toMatchObject({ error: { code: 'EWEBHOOKADDRESS', message: expect.stringMatching(/^webhook host localhost resolves to /) } });
      expect(server.seen).toEqual({ connections: 0, requests: 0 });
    } finally {
      await server.close();
    }
  });

  it('connects when localhost is allowlisted', async () => {
    const server = await startServer();
    try {
      expect(await get(`http://localhost:${server.port}/hook`, ['localhost'])).toEqual({ status: 200 });
      expect(server.seen.requests).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('is not consulted for an IP literal, which is why checkWebhookUrl must run before every request too', async () => {
    const server = await startServer();
    try {
      const url = `http://127.0.0.1:${server.port}/hook`;
      expect(await get(url, [])).toEqual({ status: 200 });
      expect(checkWebhookUrl(url, policy())).toMatch(/private/);
    } finally {
      await server.close();
    }
  });
});
