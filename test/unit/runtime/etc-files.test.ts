import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildResolvConf,
  etcBinds,
  filterResolvConf,
  parseDnsSearch,
  parseDnsServer,
  parseExtraHost,
  planEtcFiles,
  planEtcHostConfig,
  renderHosts,
  type EtcInputs,
} from '../../../runtime/etc-files';

const test = suite('runtime/etc-files: /etc/hosts, /etc/hostname, /etc/resolv.conf as Docker 20.10');

// Docker 20.10's /etc/hosts of a `--network none` container, byte for byte.
const DOCKER_DEFAULT_HOSTS =
  '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n' +
  'ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

const base: EtcInputs = {
  hostname: 'abcdef012345',
  networkMode: 'none',
  dns: [],
  dnsSearch: [],
  dnsOptions: [],
  extraHosts: [],
  host: {
    hosts: '127.0.0.1 localhost\n127.0.0.1 vm\n',
    resolvConf: 'search corp.example\nnameserver 198.51.100.53\noptions rotate\n',
    hostname: 'vm',
  },
  hostGateway: '172.17.0.1',
};

test('renderHosts() writes the default lines, then ADDRESS<TAB>NAMES per entry', () => {
  assert.is(renderHosts([]), DOCKER_DEFAULT_HOSTS);
  assert.is(
    renderHosts([
      { address: '192.0.2.5', names: ['web', 'www', 'abcdef012345'] },
      { address: '2001:db8::5', names: ['web'] },
    ]),
    `${DOCKER_DEFAULT_HOSTS}192.0.2.5\tweb www abcdef012345\n2001:db8::5\tweb\n`,
  );
});

test('planEtcFiles() for --network none: default hosts, the short ID as hostname, the host resolv.conf', () => {
  assert.equal(planEtcFiles(base), { hosts: DOCKER_DEFAULT_HOSTS, hostname: 'abcdef012345\n', resolvConf: base.host.resolvConf });
});

test('planEtcFiles() puts --add-host lines before the container entries', () => {
  const files = planEtcFiles({
    ...base,
    extraHosts: ['foo:192.0.2.9', 'bar:2001:db8::9', 'gw:host-gateway'],
    entries: [{ address: '192.0.2.2', names: ['abcdef012345'] }],
  });
  assert.is(files.hosts, `${DOCKER_DEFAULT_HOSTS}192.0.2.9\tfoo\n2001:db8::9\tbar\n172.17.0.1\tgw\n192.0.2.2\tabcdef012345\n`);
});

test("planEtcFiles() for --network host copies the host's files, unless flags ask for more", () => {
  // Config.Hostname is the host's name (or --hostname's); a record made before it was kept has none
  const host = { ...base, hostname: '', networkMode: 'host', entries: [{ address: '192.0.2.2', names: ['x'] }] };
  assert.equal(planEtcFiles(host), { hosts: base.host.hosts, hostname: 'vm\n', resolvConf: base.host.resolvConf });
  assert.is(planEtcFiles({ ...host, hostname: 'myhost' }).hostname, 'myhost\n');
  const flags = planEtcFiles({ ...host, extraHosts: ['foo:192.0.2.9'], dns: ['192.0.2.1'] });
  assert.is(flags.hosts, `${DOCKER_DEFAULT_HOSTS}192.0.2.9\tfoo\n`);
  assert.is(flags.resolvConf, 'search corp.example\nnameserver 192.0.2.1\noptions rotate\n');
});

test('planEtcFiles() replaces only the resolv.conf parts given by flags', () => {
  const all = planEtcFiles({ ...base, dns: ['192.0.2.1', '2001:db8::1'], dnsSearch: ['a.example'], dnsOptions: ['ndots:2'] });
  assert.is(all.resolvConf, 'search a.example\nnameserver 192.0.2.1\nnameserver 2001:db8::1\noptions ndots:2\n');
  assert.is(planEtcFiles({ ...base, dnsSearch: ['.'] }).resolvConf, 'nameserver 198.51.100.53\noptions rotate\n');
  assert.is(planEtcFiles({ ...base, dnsOptions: ['debug'] }).resolvConf, 'search corp.example\nnameserver 198.51.100.53\noptions debug\n');
});

test("planEtcFiles() uses a network's nameservers and search domain (dnsname) when --dns is not given", () => {
  const net = { ...base, networkDns: { nameservers: ['10.89.0.1'], search: ['dns.podman'] } };
  assert.is(planEtcFiles(net).resolvConf, 'search dns.podman corp.example\nnameserver 10.89.0.1\noptions rotate\n');
  assert.is(
    planEtcFiles({ ...net, dns: ['192.0.2.1'] }).resolvConf,
    'search dns.podman corp.example\nnameserver 192.0.2.1\noptions rotate\n',
  );
});

test('filterResolvConf() drops loopback nameservers and falls back to public ones, as FilterResolvDNS', () => {
  assert.is(
    filterResolvConf('nameserver 127.0.0.53\nsearch x.example\n', false),
    'search x.example\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4',
  );
  assert.is(
    filterResolvConf('nameserver ::1\n', true),
    '\nnameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844',
  );
  assert.is(filterResolvConf('nameserver 127.0.0.1\nnameserver 198.51.100.1\n', true), 'nameserver 198.51.100.1\n');
  assert.is(filterResolvConf('nameserver 2001:db8::53\nnameserver 198.51.100.1\n', false), 'nameserver 198.51.100.1\n');
  assert.is(filterResolvConf('nameserver 2001:db8::53\n', true), 'nameserver 2001:db8::53\n');
  assert.is(
    planEtcFiles({ ...base, host: { ...base.host, resolvConf: 'nameserver 127.0.0.11\n' }, ipv6: false }).resolvConf,
    '\nnameserver 8.8.8.8\nnameserver 8.8.4.4',
  );
});

// The expressions filterResolvConf and the resolv.conf parsing ran on every text before their fast paths.
const LOCALHOST_NS = /^nameserver\s+((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1)$)\s*\n*/gm;
const IPV6_NS = /^nameserver\s+([0-9A-Fa-f]{0,4}:){2,7}([0-9A-Fa-f]{0,4})(%\w+)?\s*\n*/gm;
const valuesByExpressions = (text: string, keyword: string) =>
  text
    .split('\n')
    .map((l) =>
      l
        .replace(/[#;].*$/, '')
        .trim()
        .split(/\s+/),
    )
    .filter((w) => w[0] === keyword && w.length > 1)
    .map((w) => w.slice(1));
function filterByExpressions(text: string, ipv6: boolean): string {
  let out = text.replace(LOCALHOST_NS, '');
  if (!ipv6) out = out.replace(IPV6_NS, '');
  if (valuesByExpressions(out, 'nameserver').length === 0)
    out += `\n${['8.8.8.8', '8.8.4.4', ...(ipv6 ? ['2001:4860:4860::8888', '2001:4860:4860::8844'] : [])].map((ip) => `nameserver ${ip}`).join('\n')}`;
  return out;
}

test('resolv.conf is filtered and parsed as the expressions do, over generated texts', () => {
  const parts = [
    'nameserver',
    'nameserver ',
    ' ',
    '\t',
    '\n',
    '\r',
    '\v',
    '\u00a0',
    '\u2028',
    '127.0.0.1',
    '127.0.0.53',
    '127.1.2',
    '::1',
    '2001:db8::53',
    'fe80::1%eth0',
    'FE80::A',
    '10.0.0.1',
    '#',
    ';',
    'search',
    'options',
    'a.example',
    'ndots:2',
    'x',
  ];
  let seed = 18;
  const next = () => (seed = (seed * 48271) % 2147483647); // Park-Miller: exact in doubles
  for (let n = 0; n < 20000; n++) {
    let text = '';
    for (let k = next() % 14; k > 0; k--) text += parts[next() % parts.length];
    for (const ipv6 of [true, false]) assert.is(filterResolvConf(text, ipv6), filterByExpressions(text, ipv6), JSON.stringify(text));
    const custom = planEtcFiles({ ...base, dns: ['192.0.2.1'], host: { ...base.host, resolvConf: text } }).resolvConf;
    const search = valuesByExpressions(text, 'search');
    assert.is(
      custom,
      buildResolvConf(['192.0.2.1'], search[search.length - 1] ?? [], valuesByExpressions(text, 'options').flat()),
      JSON.stringify(text),
    );
  }
});

test('buildResolvConf() leaves out an empty search (".") and empty options', () => {
  assert.is(buildResolvConf(['192.0.2.1'], ['.'], []), 'nameserver 192.0.2.1\n');
  assert.is(buildResolvConf([], ['a.example', 'b.example'], ['ndots:1', 'debug']), 'search a.example b.example\noptions ndots:1 debug\n');
});

const rejected: Array<[() => unknown, string]> = [
  [() => parseDnsServer('nope'), 'invalid argument "nope" for "--dns" flag: nope is not an ip address'],
  [() => parseDnsServer('1.2.3'), 'invalid argument "1.2.3" for "--dns" flag: 1.2.3 is not an ip address'],
  [() => parseDnsSearch('-x-'), 'invalid argument "-x-" for "--dns-search" flag: -x- is not a valid domain'],
  [() => parseDnsSearch('123'), 'invalid argument "123" for "--dns-search" flag: 123 is not a valid domain'],
  [() => parseExtraHost('foo'), 'invalid argument "foo" for "--add-host" flag: bad format for add-host: "foo"'],
  [() => parseExtraHost(':1.2.3.4'), 'invalid argument ":1.2.3.4" for "--add-host" flag: bad format for add-host: ":1.2.3.4"'],
  [() => parseExtraHost('foo:1.2.3'), 'invalid argument "foo:1.2.3" for "--add-host" flag: invalid IP address in add-host: "1.2.3"'],
];
for (const [call, message] of rejected)
  test(`bad values are refused with Docker's wording: ${message.split(':').slice(1).join(':').trim()}`, () => {
    assert.throws(call, (e: Error) => e.message === message);
  });

test('the parsers accept and normalise what Docker does', () => {
  assert.is(parseDnsServer(' 2001:DB8:0::1 '), '2001:db8::1');
  assert.is(parseDnsSearch('a.example.'), 'a.example');
  assert.is(parseDnsSearch('.'), '.');
  assert.equal(parseExtraHost('h:2001:db8::9'), { name: 'h', address: '2001:db8::9' });
  assert.equal(parseExtraHost('h:host-gateway'), { name: 'h', address: 'host-gateway' });
  assert.equal(planEtcHostConfig(undefined), { Dns: [], DnsSearch: [], DnsOptions: [], ExtraHosts: null });
  assert.equal(planEtcHostConfig({ dns: ['192.0.2.1'], dnsSearch: ['x.example'], dnsOptions: ['ndots:1'], addHost: ['a:192.0.2.2'] }), {
    Dns: ['192.0.2.1'],
    DnsSearch: ['x.example'],
    DnsOptions: ['ndots:1'],
    ExtraHosts: ['a:192.0.2.2'],
  });
});

test('etcBinds() mounts the three files, read-only with a read-only root', () => {
  assert.equal(etcBinds('/c', false), ['/c/resolv.conf:/etc/resolv.conf:rw', '/c/hostname:/etc/hostname:rw', '/c/hosts:/etc/hosts:rw']);
  assert.is(etcBinds('/c', true)[2], '/c/hosts:/etc/hosts:ro');
});

test.run();
