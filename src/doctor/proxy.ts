/**
 * Which proxy a request goes through, read from the environment as curl
 * reads it (no I/O here: {@link send} opens the connections).
 *
 * - `https_proxy`, else `HTTPS_PROXY`, for https URLs; `http_proxy` (lower
 *   case only: an upper-case `HTTP_PROXY` can be set by a request's
 *   `Proxy:` header in CGI programs, "httpoxy") for http URLs; else
 *   `all_proxy`, else `ALL_PROXY`. An empty variable counts as unset.
 * - The proxy's URL: `http://` when it names no scheme; `http://` and
 *   `https://` are spoken (SOCKS is not); port 1080 when it names none
 *   (443 for `https://`), as curl; `user:password@` gives
 *   `Proxy-Authorization: Basic`.
 * - `no_proxy`, else `NO_PROXY`: `*` alone bypasses every host; otherwise
 *   comma-separated entries (blanks around them allowed; as curl, the list
 *   ends at an entry followed by a blank and no comma). A name matches
 *   itself and its subdomains (`example.com` and `.example.com` both match
 *   `example.com` and `api.example.com`, never `notexample.com`), without
 *   regard to case or a trailing dot; an IP address or CIDR range
 *   (`10.0.0.0/8`, `fd00::/8`, curl 7.86) matches a URL written with an IP
 *   address (names are never resolved to match). Beyond curl, which never
 *   matches them: `*.example.com` means `.example.com`, and `host:port`
 *   or `[::1]:port` matches that port only.
 * - Loopback (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`) is never
 *   proxied, as in Chromium and Firefox (curl would proxy it): a proxy
 *   elsewhere would reach its own loopback, not this machine's. The entry
 *   `<-loopback>` (Chromium's) in NO_PROXY proxies loopback too.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** The environment the variables are read from (`process.env` by default). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** The proxy a request goes through. */
export interface Proxy {
  /** `http:` or `https:`, the scheme spoken to the proxy. */
  protocol: 'http:' | 'https:';
  /** Its host name or IP address (IPv6 without brackets), to connect to. */
  hostname: string;
  port: number;
  /** `host:port`, without credentials: what messages name. */
  label: string;
  /** The variable it came from (`HTTPS_PROXY`, `http_proxy`, ...). */
  variable: string;
  /** `Basic ...` when the variable carries `user:password@`. */
  authorization: string | null;
  /** The variable's value with the password masked: the key of connection pools. */
  key: string;
}

/** A proxy variable that cannot be used: what to tell the user. */
export interface ProxyProblem {
  variable: string;
  problem: string;
}

/** The first set (non-empty) variable of `names`, with its name. */
function firstSet(env: ProxyEnv, names: string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return null;
}

/**
 * The proxy for `url`, as curl chooses it from `env`: `null` to connect
 * directly (no variable, NO_PROXY, loopback, or a scheme other than http
 * and https), or the reason the variable cannot be used.
 */
export function proxyFor(url: URL, env: ProxyEnv = process.env): Proxy | ProxyProblem | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY'])?.value ?? '';
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (bypassesProxy(url.hostname, port, noProxy)) return null;
  const names = url.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy'];
  const chosen = firstSet(env, [...names, 'all_proxy', 'ALL_PROXY']);
  return chosen === null ? null : parseProxy(chosen.value.trim(), chosen.name);
}

/** A proxy variable's value → the proxy (curl's defaults: http://, port 1080, or 443 for https://). */
export function parseProxy(value: string, variable: string): Proxy | ProxyProblem {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  const scheme = withScheme.slice(0, withScheme.indexOf(':')).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    const what = scheme.startsWith('socks') ? 'a SOCKS proxy' : `a ${scheme}:// proxy`;
    return { variable, problem: `${variable} names ${what} (${scheme}://), and corsproof speaks to http:// and https:// proxies only: give an HTTP proxy, or list the host in NO_PROXY.` };
  }
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    return { variable, problem: `${variable} is not a proxy URL (http://host:port, or http://user:password@host:port).` };
  }
  if (parsed.hostname === '') return { variable, problem: `${variable} names no proxy host (http://host:port).` };
  // URL drops a port equal to the scheme's default: read the authority to tell ":80" from no port.
  const authority = withScheme.slice(withScheme.indexOf('//') + 2).split(/[/?#]/)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const explicit = /:(\d+)$/.exec(hostPort);
  const port = explicit ? Number(explicit[1]) : scheme === 'https' ? 443 : 1080;
  const user = parsed.username === '' && parsed.password === '' ? null : `${safeDecode(parsed.username)}:${safeDecode(parsed.password)}`;
  const label = `${parsed.hostname}:${port}`;
  return {
    protocol: `${scheme}:`,
    hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    label,
    variable,
    authorization: user === null ? null : `Basic ${Buffer.from(user).toString('base64')}`,
    key: `${scheme}://${parsed.username === '' ? '' : `${parsed.username}:***@`}${label}`,
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Whether `proxyFor` gave a proxy (not a problem, not `null`). */
export function isProxy(choice: Proxy | ProxyProblem | null): choice is Proxy {
  return choice !== null && 'label' in choice;
}

/** Loopback, which browsers never send through a proxy: localhost, *.localhost, 127.0.0.0/8, ::1. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIPv4(host)) return host.startsWith('127.');
  return isIPv6(host) && ipMatches(host, '::1', 128, 'ipv6');
}

/** The NO_PROXY entries curl reads: split at commas, blanks around them skipped, the list ending at an entry followed by a blank and no comma. */
function entries(noProxy: string): string[] {
  const out: string[] = [];
  for (const part of noProxy.split(',')) {
    const trimmed = part.trim();
    const blank = trimmed.search(/\s/);
    if (blank === -1) {
      if (trimmed !== '') out.push(trimmed);
      continue;
    }
    out.push(trimmed.slice(0, blank));
    break;
  }
  return out;
}

/**
 * Whether a request to `hostname`:`port` goes directly, not through a
 * proxy: NO_PROXY (`noProxy`, curl's rules, see the module's comment) or
 * loopback (unless NO_PROXY lists `<-loopback>`).
 */
export function bypassesProxy(hostname: string, port: number, noProxy: string): boolean {
  if (noProxy.trim() === '*') return true;
  const list = entries(noProxy);
  if (!list.includes('<-loopback>') && isLoopback(hostname)) return true;
  const host = hostname.replace(/^\[|\]$/g, '');
  const family = isIPv4(host) ? 'ipv4' : isIPv6(host) ? 'ipv6' : null;
  return list.some((entry) => {
    const { pattern, entryPort } = splitPort(entry);
    if (entryPort !== null && entryPort !== port) return false;
    return family === null ? nameMatches(host, pattern) : cidrMatches(host, pattern, family);
  });
}

/** An entry's optional port: `host:port`, `[v6]:port`, `[v6]`; a bare IPv6 address has none. */
function splitPort(entry: string): { pattern: string; entryPort: number | null } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { pattern: bracketed[1] ?? '', entryPort: bracketed[2] === undefined ? null : Number(bracketed[2]) };
  const hostPort = /^([^:]*):(\d+)$/.exec(entry);
  if (hostPort) return { pattern: hostPort[1] ?? '', entryPort: Number(hostPort[2]) };
  return { pattern: entry, entryPort: null };
}

/** curl's name match: the name itself or a subdomain, case and a trailing dot aside; a leading `.` or `*.` ignored. */
function nameMatches(hostname: string, entry: string): boolean {
  const name = hostname.replace(/\.$/, '').toLowerCase();
  const pattern = entry.replace(/\.$/, '').replace(/^\*?\./, '').toLowerCase();
  if (pattern === '') return false;
  return name === pattern || name.endsWith(`.${pattern}`);
}

/** An IP address entry, or a CIDR range, against a URL's IP address (of the same family). */
function cidrMatches(address: string, entry: string, family: 'ipv4' | 'ipv6'): boolean {
  const slash = entry.indexOf('/');
  const network = slash === -1 ? entry : entry.slice(0, slash);
  const max = family === 'ipv4' ? 32 : 128;
  const bits = slash === -1 ? max : /^\d+$/.test(entry.slice(slash + 1)) ? Number(entry.slice(slash + 1)) : NaN;
  if (!(bits >= 0 && bits <= max)) return false;
  if (family === 'ipv4' ? !isIPv4(network) : !isIPv6(network)) return false;
  return ipMatches(address, network, bits, family);
}

function ipMatches(address: string, network: string, bits: number, family: 'ipv4' | 'ipv6'): boolean {
  const range = new BlockList();
  range.addSubnet(network, bits, family);
  return range.check(address, family);
}
