/**
 * Credentials beyond CORS: a credentialed request can pass every CORS check
 * and still go without its cookie, or have its Set-Cookie dropped. These
 * checks read the response's Set-Cookie lines against the page's site.
 */
import { getDomain } from 'tldts';
import type { HeaderList } from '../engine/types.js';
import { isLoopbackHost } from '../policy/origins.js';

/** A finding about one cookie. */
export interface CookieFinding {
  cookie: string;
  /** `error`: the browser drops or withholds it; `warning`: it works today but not everywhere. */
  severity: 'error' | 'warning';
  message: string;
}

/** The site of a URL or origin: scheme and registrable domain (the host itself for IPs and single labels). */
export function siteOf(url: string): string {
  const u = new URL(url);
  const domain = getDomain(u.hostname, { allowPrivateDomains: true }) ?? u.hostname;
  return `${u.protocol}//${domain}`;
}

/**
 * Whether a URL is potentially trustworthy for cookies: https, or a loopback
 * host over http, where Chromium and Firefox accept Secure cookies.
 */
function isPotentiallyTrustworthy(url: URL): boolean {
  return url.protocol === 'https:' || url.protocol === 'wss:' || isLoopbackHost(url.hostname);
}

/** A Set-Cookie line: its name and its attributes (names in lowercase). */
export interface ParsedCookie {
  name: string;
  attributes: Map<string, string>;
}

/** Read a Set-Cookie line's name and attributes. */
export function parseSetCookie(line: string): ParsedCookie {
  const [pair = '', ...rest] = line.split(';');
  const name = pair.split('=')[0]?.trim() ?? '';
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const [k = '', ...v] = part.split('=');
    attributes.set(k.trim().toLowerCase(), v.join('=').trim());
  }
  return { name, attributes };
}

/**
 * Check the Set-Cookie lines of a response to a credentialed cross-origin
 * request: what a browser will do with each cookie on later requests from
 * the page.
 */
export function checkCookies(responseHeaders: HeaderList, pageOrigin: string, requestUrl: string): CookieFinding[] {
  const crossSite = siteOf(pageOrigin) !== siteOf(requestUrl);
  const secureContext = isPotentiallyTrustworthy(new URL(requestUrl));
  const out: CookieFinding[] = [];
  for (const [n, v] of responseHeaders) {
    if (n.toLowerCase() !== 'set-cookie') continue;
    const c = parseSetCookie(v);
    const sameSite = (c.attributes.get('samesite') ?? '').toLowerCase();
    const secure = c.attributes.has('secure');
    const partitioned = c.attributes.has('partitioned');
    if (sameSite === 'none' && !secure) {
      out.push({ cookie: c.name, severity: 'error', message: `Set-Cookie ${c.name} has SameSite=None without Secure: browsers reject it. Add Secure (and serve over https).` });
      continue;
    }
    if (secure && !secureContext) {
      out.push({ cookie: c.name, severity: 'error', message: `Set-Cookie ${c.name} is Secure but the response came over http from a host other than localhost: browsers drop it.` });
      continue;
    }
    if (!crossSite) continue;
    if (sameSite === '') {
      out.push({
        cookie: c.name,
        severity: 'error',
        message: `Set-Cookie ${c.name} has no SameSite, and the page (${siteOf(pageOrigin)}) is another site than the API (${siteOf(requestUrl)}): Chromium treats it as SameSite=Lax and will not send it with these requests, even though CORS passes (Firefox still sends it, from its partitioned cookie jar). Use SameSite=None; Secure (and Partitioned), or serve the API from the page's site.`,
      });
    } else if (sameSite === 'lax' || sameSite === 'strict') {
      out.push({
        cookie: c.name,
        severity: 'error',
        message: `Set-Cookie ${c.name} is SameSite=${sameSite === 'lax' ? 'Lax' : 'Strict'}, and the page (${siteOf(pageOrigin)}) is another site than the API (${siteOf(requestUrl)}): browsers will not send it with these requests, even though CORS passes. Use SameSite=None; Secure (and Partitioned), or serve the API from the page's site.`,
      });
    } else if (!partitioned) {
      out.push({
        cookie: c.name,
        severity: 'warning',
        message: `Set-Cookie ${c.name} is a third-party cookie here (page ${siteOf(pageOrigin)}, API ${siteOf(requestUrl)}): browsers that block third-party cookies (Safari, Firefox's strict mode, Chrome for some users) will not store or send it. Add Partitioned (CHIPS) to keep it per top-level site, or serve the API from the page's site.`,
      });
    }
  }
  return out;
}
