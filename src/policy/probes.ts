/**
 * The attacker's origins: one table of probe classes, each deriving, from
 * the origins a site really allows, the origins a careless allow-list check
 * lets through (a prefix or suffix match, an unescaped dot in a RegExp, the
 * `http://` twin, any subdomain, `null`, ...). Read by `corsproof/testing`'s
 * attackers mode and by the scanner; the policy's start-up check of origin
 * functions and the doctor's probe send the first class's origin.
 *
 * Every derived origin is one a browser can send: a serialized origin whose
 * host the WHATWG URL parser keeps as written, and, for the classes that
 * need a name the attacker can register, a name under a public suffix
 * (decided with the public suffix list, private suffixes included).
 */
import { parse as parseDomain } from 'tldts';
import type { ProbeFindingId } from './findings.js';

/** The classes of probe, named as their findings are (the finding table's rows with a reach). */
export type ProbeId = ProbeFindingId;

/** An origin nobody configures: a server that allows it allows any origin. */
export const PROBE_ORIGIN = 'https://corsproof-probe.invalid';

/** The attacker's own domain, under which prefix and special-character probes are registered. */
const ATTACKER_DOMAIN = 'corsproof-probe.invalid';

/** Hosting services where anyone can publish a page under the service's domain. */
const THIRD_PARTY_HOSTS = ['github.io', 'netlify.app', 'vercel.app', 'pages.dev', 'herokuapp.com', 'web.app', 'firebaseapp.com', 'azurewebsites.net', 'cloudfront.net', 'workers.dev', 'glitch.me', 'cdpn.io'];

/** Names starting like the local development origins, under the attacker's domain. */
const LOCALHOST_PREFIX_PROBES = [`http://localhost.${ATTACKER_DOMAIN}`, `http://127.0.0.1.${ATTACKER_DOMAIN}`];

/**
 * Characters WHATWG URL keeps in a host, that allow-list code often forgets.
 * Chromium 156 loads a page at a host with any of them; Firefox ESR 153 only
 * with `_` or `$` (it fails the others with NS_ERROR_UNKNOWN_HOST): seen in
 * test/browser/scan-confirm.test.ts.
 */
const SPECIAL_CHARACTERS = ['_', '!', '~', '$', '{', '`'];

/** Host characters Firefox will not load a page at (see {@link SPECIAL_CHARACTERS}). */
const FIREFOX_REFUSED_HOST_CHARACTERS = /[!~{`]/;

/**
 * Which browsers can load a page at this origin, so that an attacker can
 * be there: all three, but Firefox for no host with a character it refuses
 * (WebKitGTK loads a page at every probe host, the special characters too:
 * test/browser/scan-confirm.test.ts).
 */
export function pageOriginIn(origin: string): { chromium: boolean; firefox: boolean; webkit: boolean } {
  if (origin === 'null') return { chromium: true, firefox: true, webkit: true };
  const host = origin.replace(/^[a-z]+:\/\//, '').replace(/:\d+$/, '');
  return { chromium: true, firefox: !FIREFOX_REFUSED_HOST_CHARACTERS.test(host), webkit: true };
}

/** One probe: the class it tests, the origin sent, and the allowed origin it was derived from (`null` for the fixed ones). */
export interface Probe {
  id: ProbeId;
  origin: string;
  from: string | null;
}

/** An allowed origin, split for deriving. */
interface Allowed {
  origin: string;
  scheme: string;
  host: string;
  /** `:port`, or `''` for the scheme's default. */
  port: string;
  /** The registrable domain (`example.com` for `app.example.com`), or `null` (an IP address, `localhost`). */
  domain: string | null;
}

/** One row of the probe table. */
interface ProbeClass {
  id: ProbeId;
  /** What a server that lets this probe through does wrong, in plain words. */
  flaw: string;
  /** Origins probed whatever is allowed, after the derived ones (`null`: none). */
  fixed: readonly string[] | null;
  /** Classes whose flaw also lets this class's origins through (besides reflecting any origin, which explains every class): when one of them is found too, this one says nothing more. */
  explainedBy?: readonly ProbeId[];
  /** The origins derived from one allowed origin (`null`: none for it). */
  derive: (allowed: Allowed) => Array<string | null>;
}

/** A host name the attacker can register: its registrable domain is under a public suffix and is not one of `own`. */
function registrable(host: string, own: string | null): boolean {
  const parsed = parseDomain(host, { allowPrivateDomains: true });
  return parsed.domain !== null && (parsed.isIcann === true || parsed.isPrivate === true) && parsed.domain !== own;
}

const none = (): null[] => [];

/** The probe table: one row per class, in the order findings are reported. */
export const PROBE_CLASSES: readonly ProbeClass[] = [
  { id: 'reflects-any-origin', flaw: 'allows any origin (it sends back whatever Origin it receives)', fixed: [PROBE_ORIGIN], derive: none },
  { id: 'trusts-null', flaw: "allows the origin 'null', which sandboxed iframes and data: pages of any site send", fixed: ['null'], derive: none },
  {
    id: 'prefix-match',
    flaw: 'allows any origin that starts with an allowed one (app.example.com.attacker.test)',
    // Development leftovers: a check that lets http://localhost (or 127.0.0.1) through by its start lets the attacker's names through too.
    fixed: LOCALHOST_PREFIX_PROBES,
    derive: (a) => [`${a.scheme}://${a.host}.${ATTACKER_DOMAIN}${a.port}`],
  },
  {
    id: 'suffix-match',
    flaw: 'allows any origin that ends with an allowed domain (attackerexample.com)',
    fixed: null,
    derive: (a) => {
      const host = `corsproof${a.domain ?? a.host}`;
      return [a.domain !== null && registrable(host, a.domain) ? `${a.scheme}://${host}${a.port}` : null];
    },
  },
  {
    id: 'unescaped-dot',
    flaw: "matches with a RegExp whose '.' is not escaped, so any character stands for it (appxexample.com)",
    fixed: null,
    explainedBy: ['suffix-match'],
    derive: (a) =>
      [...a.host].map((c, i) => {
        if (c !== '.') return null;
        const host = `${a.host.slice(0, i)}x${a.host.slice(i + 1)}`;
        return a.domain !== null && registrable(host, a.domain) ? `${a.scheme}://${host}${a.port}` : null;
      }),
  },
  {
    id: 'substring-match',
    flaw: 'allows any origin contained in an allowed one (app.example.co inside app.example.com)',
    fixed: null,
    derive: (a) => {
      for (let end = a.host.length - 1; end > 0; end--) {
        const host = a.host.slice(0, end);
        if (!host.endsWith('.') && a.domain !== null && registrable(host, a.domain)) return [`${a.scheme}://${host}${a.port}`];
      }
      return [null];
    },
  },
  {
    id: 'special-characters',
    flaw: 'stops matching at a character such as _ or ! that browsers allow in a host name',
    fixed: null,
    explainedBy: ['prefix-match'],
    derive: (a) => SPECIAL_CHARACTERS.map((c) => `${a.scheme}://${a.host}${c}.${ATTACKER_DOMAIN}${a.port}`),
  },
  {
    id: 'trusts-http-origin',
    flaw: 'allows the plain-http twin of an https origin, which anyone on the network path can impersonate',
    fixed: null,
    derive: (a) => [a.scheme === 'https' ? `http://${a.host}${a.port}` : null],
  },
  {
    id: 'trusts-any-subdomain',
    flaw: 'allows every subdomain of an allowed domain, so one taken-over or user-content subdomain reads everything',
    fixed: null,
    derive: (a) => [a.domain !== null ? `${a.scheme}://corsproof-probe.${a.domain}${a.port}` : null],
  },
  {
    id: 'trusts-third-party-host',
    flaw: 'allows a hosting service where anyone can publish a page (github.io, netlify.app, ...)',
    fixed: THIRD_PARTY_HOSTS.map((suffix) => `https://corsproof-probe.${suffix}`),
    derive: none,
  },
];

/** Split an allowed origin; `null` when it is not a serialized http(s) origin. */
function readAllowed(origin: string): Allowed | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) return null;
  const parsed = parseDomain(url.hostname, { allowPrivateDomains: true });
  const domain = parsed.isIp === true || (parsed.isIcann !== true && parsed.isPrivate !== true) ? null : parsed.domain;
  return { origin, scheme: url.protocol.slice(0, -1), host: url.hostname, port: url.port === '' ? '' : `:${url.port}`, domain };
}

/**
 * The probes for these allowed origins (serialized origins, such as
 * `https://app.example.com`): every class's origins, each once, none of
 * them an allowed origin itself.
 *
 * @throws TypeError naming an entry that is not a serialized http(s) origin.
 */
export function probesFor(allowedOrigins: readonly string[]): Probe[] {
  const allowed = allowedOrigins.map((origin) => {
    const a = readAllowed(origin);
    if (a === null) throw new TypeError(`'${origin}' is not a serialized http(s) origin (scheme://host[:port], lowercase, no path or trailing slash).`);
    return a;
  });
  const seen = new Set<string>(allowedOrigins);
  const probes: Probe[] = [];
  const add = (id: ProbeId, origin: string | null, from: string | null): void => {
    if (origin === null || seen.has(origin)) return;
    seen.add(origin);
    probes.push({ id, origin, from });
  };
  for (const row of PROBE_CLASSES) {
    for (const a of allowed) for (const origin of row.derive(a)) add(row.id, origin, a.origin);
    for (const origin of row.fixed ?? []) add(row.id, origin, null);
  }
  return probes;
}

/**
 * The findings among these classes of readable probes: each class, in table
 * order, unless a class that explains it was found too (a server that
 * reflects any origin lets every probe through; an unescaped-dot probe that
 * a suffix match lets through says nothing more).
 */
export function findingsAmong(found: Iterable<ProbeId>): ProbeId[] {
  const ids = new Set(found);
  const explained = (c: ProbeClass): boolean => c.id !== 'reflects-any-origin' && (ids.has('reflects-any-origin') || (c.explainedBy ?? []).some((other) => ids.has(other)));
  return PROBE_CLASSES.filter((c) => ids.has(c.id) && !explained(c)).map((c) => c.id);
}

/** The flaw a probe class shows, in plain words. */
export function probeFlaw(id: ProbeId): string {
  return (PROBE_CLASSES.find((row) => row.id === id) as ProbeClass).flaw;
}
