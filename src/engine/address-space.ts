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
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
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
