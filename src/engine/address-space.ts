/**
 * Local Network Access (the permission that replaced Private Network Access
 * in Chromium 142, and that Firefox 153 enforces too): what does not depend
 * on the browser. Each hop of the request goes to a server in an IP address
 * space; a page in the `public` space reaching a more private one (`local`,
 * `loopback`) makes a local network request, which Chromium and Firefox send
 * only with the user's permission (browsers.ts: each browser's check).
 *
 * Seen in Chromium 156 and Firefox 153 (address spaces set with their testing
 * switches): a `local` page reaching `loopback` is NOT gated, nor is anything
 * from a `loopback` page, nor `public` to `public`.
 */
import type { ReasonId } from './reasons.js';
import type { AddressSpace, AddressSpaces, LocalNetworkPermission } from './types.js';

/** The address spaces, from the most public to the most private. */
export const ADDRESS_SPACES: readonly AddressSpace[] = ['public', 'local', 'loopback'];

/** The permission states (the Permissions API's). */
export const LOCAL_NETWORK_PERMISSIONS: readonly LocalNetworkPermission[] = ['granted', 'denied', 'prompt'];

/** The reason-table rows of a Local Network Access refusal: the request (or its preflight) was never sent. */
export const LOCAL_NETWORK_REASONS: readonly ReasonId[] = ['local-network-permission-denied', 'insecure-local-network'];

/** One hop as the Local Network Access check sees it. */
export interface LocalNetworkHop {
  page: AddressSpace;
  /** The address space of the server this hop goes to. */
  target: AddressSpace;
  secureContext: boolean;
  permission: LocalNetworkPermission;
}

/**
 * Whether a request from `page` to `target` is a local network request (one
 * that needs the user's permission): a public page reaching a local or
 * loopback server. Seen: only this, in Chromium 156 and Firefox 153.
 */
export function isLocalNetworkRequest(page: AddressSpace, target: AddressSpace): boolean {
  return page === 'public' && target !== 'public';
}

/**
 * Whether a page of this origin is a secure context, as its origin tells it
 * (HTML "potentially trustworthy origin"): https (or wss), or http on
 * `localhost`, a name under `.localhost`, 127.0.0.0/8 or [::1]. An opaque
 * origin (`null`) is taken as secure: a sandboxed frame of a secure page.
 */
export function isSecureContextOrigin(origin: string): boolean {
  if (origin === 'null') return true;
  const scheme = origin.slice(0, origin.indexOf(':'));
  if (scheme === 'https' || scheme === 'wss') return true;
  if (scheme !== 'http' && scheme !== 'ws') return false;
  let host = origin.slice(origin.indexOf('//') + 2);
  if (host.startsWith('[')) return host.startsWith('[::1]');
  const colon = host.lastIndexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  return hostAddressSpace(host) === 'loopback';
}

/**
 * The address space a URL's host names, as far as the host itself tells it
 * (a hostname as the URL parser serializes it: IPv4 dotted, IPv6 in
 * brackets, lowercase): `loopback` for `localhost`, a name under
 * `.localhost` (browsers resolve both to loopback), 127.0.0.0/8 and [::1];
 * `local` for the private and link-local ranges (10/8, 172.16/12,
 * 192.168/16, 169.254/16, fc00::/7, fe80::/10; an IPv4-mapped IPv6 address
 * as its IPv4 one); `public` for anything else, DNS names included (what
 * they resolve to is not known here).
 */
export function hostAddressSpace(host: string): AddressSpace {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback';
  if (h.startsWith('[')) return ipv6Space(h.slice(1, h.endsWith(']') ? -1 : undefined));
  return ipv4Space(h) ?? 'public';
}

/** A dotted-decimal IPv4 address's space, or `null` for anything else. */
function ipv4Space(host: string): AddressSpace | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (m === null) return null;
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) return 'local';
  return 'public';
}

/** An IPv6 address's space (without brackets); `public` when it does not parse. */
function ipv6Space(address: string): AddressSpace {
  const groups = ipv6Groups(address);
  if (groups === null) return 'public';
  const [first] = groups as [number];
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return 'loopback';
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80) return 'local';
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6] as number, groups[7] as number];
    return ipv4Space(`${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`) ?? 'public';
  }
  return 'public';
}

/** An IPv6 address's eight 16-bit groups (`::` expanded, a dotted IPv4 tail read), or `null`. */
function ipv6Groups(address: string): number[] | null {
  let text = address;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4 !== null) {
    const bytes = v4.slice(2).map(Number);
    if (bytes.some((x) => x > 255)) return null;
    tail.push(((bytes[0] as number) << 8) | (bytes[1] as number), ((bytes[2] as number) << 8) | (bytes[3] as number));
    text = (v4[1] as string).endsWith('::') ? (v4[1] as string) : (v4[1] as string).slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] as string);
  const rest = halves.length === 2 ? parse(halves[1] as string) : [];
  if (head === null || rest === null) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
}

/**
 * The address spaces of a request from a page of `origin` to `url`, read
 * from their hosts ({@link hostAddressSpace}), when that is a local network
 * request (a public page reaching a local or loopback server); else `null`:
 * no Local Network Access check applies (or an opaque origin, whose page's
 * space the origin does not tell). Redirect targets are not known here.
 */
export function localNetworkSpaces(origin: string, url: string): AddressSpaces | null {
  if (origin === 'null') return null;
  let page: AddressSpace;
  let target: AddressSpace;
  try {
    page = hostAddressSpace(new URL(origin).hostname);
    target = hostAddressSpace(new URL(url).hostname);
  } catch {
    return null;
  }
  return isLocalNetworkRequest(page, target) ? { page, target } : null;
}

/** A scenario's address spaces, read once per evaluation (exchange.ts). */
export class LocalNetwork {
  declare readonly page: AddressSpace;
  declare readonly secureContext: boolean;
  declare readonly permission: LocalNetworkPermission;
  private declare readonly spaces: AddressSpaces;

  constructor(spaces: AddressSpaces, origin: string, permission: LocalNetworkPermission | undefined) {
    this.spaces = spaces;
    this.page = spaces.page;
    this.secureContext = spaces.secureContext ?? isSecureContextOrigin(origin);
    this.permission = permission ?? 'prompt';
  }

  /** Hop `hop` as the check sees it: the request's URL for hop 0, the target of `redirects[hop - 1]` after. */
  hop(hop: number): LocalNetworkHop {
    const { spaces } = this;
    const target = hop === 0 ? spaces.target : (spaces.redirectTargets?.[hop - 1] ?? spaces.target);
    return { page: this.page, target, secureContext: this.secureContext, permission: this.permission };
  }
}
