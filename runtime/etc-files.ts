/**
 * A container's /etc/hosts, /etc/hostname and /etc/resolv.conf, as Docker 20.10 (libnetwork's
 * etchosts and resolvconf packages) writes them. Pure: the host's files come in as text.
 */
import { formatIP, tryParseIP } from '../cni/ip.js';
import { SettingError } from './errors.js';

/** One /etc/hosts line: an address and the names it answers to. */
export interface HostsEntry {
  address: string;
  names: string[];
}

/** What the files are made from besides the container's record. */
export interface EtcInputs {
  hostname: string;
  networkMode: string;
  dns: readonly string[];
  dnsSearch: readonly string[];
  dnsOptions: readonly string[];
  /** `--add-host` values, NAME:IP (already checked by parseExtraHost). */
  extraHosts: readonly string[];
  /** The host's files, read by the caller. */
  host: { hosts: string; resolvConf: string; hostname: string };
  /** The container's own addresses and names, from the network code after CNI ADD. */
  entries?: readonly HostsEntry[];
  /** Nameservers and search domains a network gives (dnsname's), used when --dns is not given. */
  networkDns?: { nameservers: readonly string[]; search: readonly string[] };
  /** Whether the container has IPv6 on a network; without a network, IPv6 nameservers stay (as Docker). */
  ipv6?: boolean;
  /** The address `host-gateway` in --add-host stands for. */
  hostGateway: string;
}

export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

/** The file names in the container's dir and where each is mounted. */
export const ETC_FILES: ReadonlyArray<{ file: keyof EtcFiles; name: string; target: string }> = [
  { file: 'resolvConf', name: 'resolv.conf', target: '/etc/resolv.conf' },
  { file: 'hostname', name: 'hostname', target: '/etc/hostname' },
  { file: 'hosts', name: 'hosts', target: '/etc/hosts' },
];

/** Docker's `--add-host` value for the host's gateway address. */
export const HOST_GATEWAY = 'host-gateway';

const DEFAULT_HOSTS: HostsEntry[] = [
  { address: '127.0.0.1', names: ['localhost'] },
  { address: '::1', names: ['localhost', 'ip6-localhost', 'ip6-loopback'] },
  { address: 'fe00::0', names: ['ip6-localnet'] },
  { address: 'ff00::0', names: ['ip6-mcastprefix'] },
  { address: 'ff02::1', names: ['ip6-allnodes'] },
  { address: 'ff02::2', names: ['ip6-allrouters'] },
];
const DEFAULT_DNS4 = ['8.8.8.8', '8.8.4.4'];
const DEFAULT_DNS6 = ['2001:4860:4860::8888', '2001:4860:4860::8844'];

/**
 * /etc/hosts from `entries`: Docker's six default lines, then one `ADDRESS<TAB>NAME NAME...` line per entry.
 * @example renderHosts([{ address: '192.0.2.5', names: ['web', 'www'] }]) // ends with "192.0.2.5\tweb www\n"
 */
export function renderHosts(entries: readonly HostsEntry[]): string {
  return [...DEFAULT_HOSTS, ...entries].map((e) => `${e.address}\t${e.names.join(' ')}\n`).join('');
}

const flagError = (value: string, flag: string, why: string) =>
  new SettingError(`invalid argument "${value}" for "${flag}" flag: ${why}`, 'flag');

/** `--dns IP`, normalised as Docker's ValidateIPAddress. @throws {Error} with Docker's wording */
export function parseDnsServer(value: string): string {
  const ip = tryParseIP(value.trim());
  if (!ip) throw flagError(value, '--dns', `${value} is not an ip address`);
  return formatIP(ip);
}

const DOMAIN = /^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)\.?\s*$/;

/** `--dns-search DOMAIN` (or `.` for none), as Docker's ValidateDNSSearch. @throws {Error} with Docker's wording */
export function parseDnsSearch(value: string): string {
  const v = value.trim();
  if (v === '.') return v;
  const m = DOMAIN.exec(v);
  if (!/[a-zA-Z]/.test(v) || !m || m[1].length >= 255) throw flagError(value, '--dns-search', `${v} is not a valid domain`);
  return m[1];
}

/** `--add-host NAME:IP` (or NAME:host-gateway), as Docker's ValidateExtraHost. @throws {Error} with Docker's wording */
export function parseExtraHost(value: string): { name: string; address: string } {
  const colon = value.indexOf(':');
  if (colon <= 0) throw flagError(value, '--add-host', `bad format for add-host: ${JSON.stringify(value)}`);
  const name = value.slice(0, colon),
    address = value.slice(colon + 1);
  if (address !== HOST_GATEWAY && !tryParseIP(address.trim()))
    throw flagError(value, '--add-host', `invalid IP address in add-host: ${JSON.stringify(address)}`);
  return { name, address };
}

const LOCALHOST_NS = /^nameserver\s+((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1)$)\s*\n*/gm;
const IPV6_NS = /^nameserver\s+([0-9A-Fa-f]{0,4}:){2,7}([0-9A-Fa-f]{0,4})(%\w+)?\s*\n*/gm;

/** The values of every `KEYWORD ...` line (resolv.conf's own parsing: the last search/options line wins). */
function valuesOf(text: string, keyword: string): string[][] {
  const out: string[][] = [];
  // An indexed loop over plain lines: the first run of a network start pays no regex or iterator compilation.
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const w = wordsOf(lines[i]);
    if (w[0] === keyword && w.length > 1) out.push(w.slice(1));
  }
  return out;
}

/** A line's words before a `#` or `;` comment. */
function wordsOf(line: string): string[] {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    // Other spaces and line terminators (where the comment's `.*$` stops): the general path.
    if ((c < 0x20 && c !== 0x09) || c > 0x7e)
      return line
        .replace(/[#;].*$/, '')
        .trim()
        .split(/\s+/);
  }
  const words: string[] = [];
  let word = 0; // where the current word starts
  for (let i = 0; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : 0x23;
    if (c === 0x23 || c === 0x3b || c === 0x20 || c === 0x09) {
      if (i > word) words.push(line.slice(word, i));
      if (c === 0x23 || c === 0x3b) return words;
      word = i + 1;
    }
  }
  return words;
}

/**
 * Whether some `nameserver` in `text` is followed by spaces and a value that `starts` accepts at
 * their end: when none is, the expressions below cannot match and are neither compiled nor run.
 */
function mayMatchNameserver(text: string, starts: (text: string, at: number) => boolean): boolean {
  for (let at = text.indexOf('nameserver'); at >= 0; at = text.indexOf('nameserver', at + 1)) {
    const first = at + 'nameserver'.length;
    let i = first;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7e) return true; // maybe a Unicode space: the expression decides
      if (c !== 0x20 && (c < 0x09 || c > 0x0d)) break;
    }
    if (i > first && i < text.length && starts(text, i)) return true;
  }
  return false;
}

const isLoopbackStart = (text: string, at: number) => text.startsWith('127.', at) || text.startsWith('::1', at);
const isHexDigit = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
/** IPV6_NS's value starts with up to four hex digits and a colon. */
const isIPv6Start = (text: string, at: number) => {
  let i = at;
  while (i < at + 4 && isHexDigit(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 0x3a;
};

/**
 * The host's resolv.conf without loopback nameservers (and without IPv6 ones when `ipv6` is false);
 * when none is left, Google's public servers, as Docker's FilterResolvDNS.
 */
export function filterResolvConf(text: string, ipv6: boolean): string {
  let out = mayMatchNameserver(text, isLoopbackStart) ? text.replace(LOCALHOST_NS, '') : text;
  if (!ipv6 && mayMatchNameserver(out, isIPv6Start)) out = out.replace(IPV6_NS, '');
  if (valuesOf(out, 'nameserver').length === 0)
    out += `\n${[...DEFAULT_DNS4, ...(ipv6 ? DEFAULT_DNS6 : [])].map((ip) => `nameserver ${ip}`).join('\n')}`;
  return out;
}

/** resolv.conf built from its three parts, as Docker's resolvconf.Build (`.` alone means no search line). */
export function buildResolvConf(nameservers: readonly string[], search: readonly string[], options: readonly string[]): string {
  const lines: string[] = [];
  if (search.length > 0 && search.join(' ').trim() !== '.') lines.push(`search ${search.join(' ')}`);
  for (const ns of nameservers) lines.push(`nameserver ${ns}`);
  if (options.length > 0 && options.join(' ').trim() !== '') lines.push(`options ${options.join(' ')}`);
  return lines.map((l) => `${l}\n`).join('');
}

function planResolvConf(i: EtcInputs): string {
  const custom = i.dns.length > 0 || i.dnsSearch.length > 0 || i.dnsOptions.length > 0;
  if (i.networkMode === 'host' && !custom) return i.host.resolvConf;
  const net = i.networkMode === 'host' ? undefined : i.networkDns;
  if (!custom && !net) return filterResolvConf(i.host.resolvConf, i.ipv6 ?? true);
  const hostServers = valuesOf(filterResolvConf(i.host.resolvConf, i.ipv6 ?? true), 'nameserver').map((w) => w[0]);
  const hostSearch = valuesOf(i.host.resolvConf, 'search').at(-1) ?? [];
  const hostOptions = valuesOf(i.host.resolvConf, 'options').flat();
  const nameservers = i.dns.length > 0 ? i.dns : (net?.nameservers ?? hostServers);
  const search = i.dnsSearch.length > 0 ? i.dnsSearch : [...(net?.search ?? []), ...hostSearch];
  return buildResolvConf(nameservers, search, i.dnsOptions.length > 0 ? i.dnsOptions : hostOptions);
}

function planHosts(i: EtcInputs): string {
  // Docker copies the host's file for --network host, unless --add-host asks for lines of its own.
  if (i.networkMode === 'host' && i.extraHosts.length === 0) return i.host.hosts;
  const extra = i.extraHosts.map(parseExtraHost).map(({ name, address }) => ({
    address: address === HOST_GATEWAY ? i.hostGateway : address,
    names: [name],
  }));
  return renderHosts([...extra, ...(i.networkMode === 'host' ? [] : (i.entries ?? []))]);
}

/** The three files' contents. @throws {Error} on a bad --add-host (refused earlier, at create) */
export function planEtcFiles(i: EtcInputs): EtcFiles {
  // A host-network container made before its record kept the host's name has none of its own.
  const hostname = i.networkMode === 'host' && i.hostname === '' ? i.host.hostname : i.hostname;
  return { hosts: planHosts(i), hostname: `${hostname}\n`, resolvConf: planResolvConf(i) };
}

/** The supervisor's `--bind` values for the files in `dir`: read-only with a read-only root, as Docker. */
export function etcBinds(dir: string, readOnly: boolean): string[] {
  return ETC_FILES.map((f) => `${dir}/${f.name}:${f.target}:${readOnly ? 'ro' : 'rw'}`);
}

/** The `run` flags of this module, as given. */
export interface EtcOptions {
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  addHost: string[];
}

/** HostConfig's Dns, DnsSearch, DnsOptions, ExtraHosts from the flags. @throws {Error} with Docker's wording */
export function planEtcHostConfig(o: EtcOptions | undefined) {
  const extraHosts = o?.addHost ?? [];
  for (const h of extraHosts) parseExtraHost(h);
  return {
    Dns: (o?.dns ?? []).map(parseDnsServer),
    DnsSearch: (o?.dnsSearch ?? []).map(parseDnsSearch),
    DnsOptions: o?.dnsOptions ?? [],
    ExtraHosts: extraHosts.length > 0 ? extraHosts : null,
  };
}
