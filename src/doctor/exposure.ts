/**
 * Beyond "does it pass": what the CORS headers expose to other sites. A
 * server that sends back any Origin it is given lets every website read its
 * responses (with the user's cookies, when it also allows credentials); a
 * response whose Access-Control-Allow-Origin depends on the request but
 * lacks `Vary: Origin` can be served from a shared cache to the wrong page.
 *
 * Pure: the doctor sends one probe request from a foreign origin and passes
 * its answer here.
 */
import { get, splitList } from '../engine/headers.js';
import type { HeaderList } from '../engine/types.js';

/** An origin no site has: `.invalid` never resolves (RFC 6761). */
export const PROBE_ORIGIN = 'https://corsproof-probe.invalid';

/** A finding about what the server exposes. */
export interface ExposureFinding {
  id: 'reflects-any-origin' | 'missing-vary-origin' | 'expose-wildcard-with-credentials';
  /** `error`: any website can read users' data; `warning`: risky or ineffective. */
  severity: 'error' | 'warning';
  message: string;
}

/** The probe sent and what came back. */
export interface ProbeResult {
  method: string;
  url: string;
  headers: HeaderList;
}

/** What the answer to a request from {@link PROBE_ORIGIN} says. */
export function probeFindings(probe: ProbeResult): ExposureFinding[] {
  const allowOrigin = get(probe.headers, 'access-control-allow-origin');
  if (allowOrigin !== PROBE_ORIGIN) return [];
  const credentials = get(probe.headers, 'access-control-allow-credentials') === 'true';
  return [
    credentials
      ? {
          id: 'reflects-any-origin',
          severity: 'error',
          message: `The server sends back any Origin with Access-Control-Allow-Credentials: true: a ${probe.method} from ${PROBE_ORIGIN} was allowed. Any website a user visits can read these responses with the user's cookies. Allow an explicit list of your own origins instead.`,
        }
      : {
          id: 'reflects-any-origin',
          severity: 'warning',
          message: `The server sends back any Origin: a ${probe.method} from ${PROBE_ORIGIN} was allowed. That is '*' in effect; if these responses are not public (an intranet API, data behind IP allow-lists), allow an explicit list of origins.`,
        },
  ];
}

/** What the final response's own headers say, for the page's request. */
export function responseFindings(headers: HeaderList, pageOrigin: string, credentials: boolean): ExposureFinding[] {
  const out: ExposureFinding[] = [];
  const allowOrigin = get(headers, 'access-control-allow-origin');
  const vary = splitList(get(headers, 'vary') ?? '').map((v) => v.toLowerCase());
  const cacheControl = (get(headers, 'cache-control') ?? '').toLowerCase();
  const uncacheable = /\b(no-store|private)\b/.test(cacheControl);
  if (allowOrigin === pageOrigin && !vary.includes('origin') && !vary.includes('*') && !uncacheable) {
    out.push({
      id: 'missing-vary-origin',
      severity: 'warning',
      message: `Access-Control-Allow-Origin names this page's origin but the response has no \`Vary: Origin\`: a browser or CDN cache can hand this response to a page on another origin (which then fails), or another origin's to this page. Add \`Vary: Origin\` wherever the value depends on the request.`,
    });
  }
  const expose = splitList(get(headers, 'access-control-expose-headers') ?? '');
  if (credentials && expose.includes('*')) {
    out.push({
      id: 'expose-wildcard-with-credentials',
      severity: 'warning',
      message: "Access-Control-Expose-Headers: * exposes nothing extra to a credentialed request (browsers then read '*' as a header name): list the header names script needs.",
    });
  }
  return out;
}
