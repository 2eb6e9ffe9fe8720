/**
 * What the doctor must read back from real DevTools exports (a HAR file and
 * "Copy as cURL"), shared by the browser suite (fresh captures, live demo
 * servers) and the unit suite (the captures kept in src/doctor/fixtures/).
 */
import { diagnoseHar } from '../src/doctor/har.js';
import type { HarDiagnosis } from '../src/doctor/har.js';
import { parseCurl } from '../src/doctor/curl.js';
import type { CurlRequest } from '../src/doctor/curl.js';
import type { BrowserName, CredentialsMode, Verdict } from '../src/engine/types.js';

/** One request the capture page made, and what the browser did with it. */
export interface CapturedRequest {
  /** The demo case id (src/demo/servers.ts). */
  demo: string;
  url: string;
  method: string;
  headers: Array<[string, string]>;
  credentials: CredentialsMode;
  /** Whether fetch() resolved in the browser. */
  observedOk: boolean;
  /** What the browser itself reported: Chromium's CorsError (its Audits issue), Firefox's first "Cross-Origin Request Blocked" console message. */
  chromiumCode: string | null;
  firefoxMessage: string | null;
}

/** A capture as kept on disk next to its HAR file. */
export interface CaptureRecord {
  browser: BrowserName;
  pageOrigin: string;
  requests: CapturedRequest[];
  /** "Copy as cURL" per request row: POSIX form, and Windows cmd form (which corsproof refuses with a clear message). */
  curls: Array<{ url: string; method: string; command: string; windows: string }>;
}

/** The outcome a verdict gives for one browser: pass, or its own code. */
export function outcome(v: Verdict | null, browser: BrowserName): string {
  if (v === null) return 'no verdict';
  if (v.browsers[browser].ok) return 'ok';
  return browser === 'chromium' ? `blocked ${v.chromium?.corsError ?? v.chromium?.netError ?? '?'}` : `blocked ${v.firefox?.message ?? '?'}`;
}

/** The outcome the browser showed for a captured request. */
export function observed(r: CapturedRequest, browser: BrowserName): string {
  if (r.observedOk) return 'ok';
  return `blocked ${(browser === 'chromium' ? r.chromiumCode : r.firefoxMessage) ?? '?'}`;
}

/** Script-set header names, lowercase and sorted. */
export function names(headers: ReadonlyArray<readonly [string, string]>): string[] {
  return headers.map(([n]) => n.toLowerCase()).sort();
}

/**
 * The HAR's diagnosis of each captured request, with the verdict that fits
 * the request's real credentials mode (the HAR cannot say it: when the
 * diagnosis assumed none and offers `ifCredentialed`, that one is taken for
 * a credentialed request).
 */
export function harRows(har: unknown, record: CaptureRecord): Array<{ demo: string; found: number; seen: string; diagnosed: string; method: string | null; headers: string[] | null; diagnosis: HarDiagnosis | null }> {
  const all = diagnoseHar(har);
  return record.requests.map((r) => {
    const mine = all.filter((d) => d.scenario.request.url === r.url);
    const d = mine[0] ?? null;
    let v = d?.verdict ?? null;
    if (d !== null && r.credentials === 'include' && d.credentialsFrom === 'assumed' && d.ifCredentialed !== null) v = d.ifCredentialed;
    return {
      demo: r.demo,
      found: mine.length,
      seen: observed(r, record.browser),
      diagnosed: outcome(v, record.browser),
      method: d?.scenario.request.method ?? null,
      headers: d === null ? null : names(d.scenario.request.headers),
      diagnosis: d,
    };
  });
}

/** Each captured request's "Copy as cURL" commands read back: the request's own row and its preflight's row. */
export function curlRows(record: CaptureRecord): Array<{ demo: string; row: 'request' | 'preflight'; parsed: CurlRequest | string }> {
  const out: Array<{ demo: string; row: 'request' | 'preflight'; parsed: CurlRequest | string }> = [];
  for (const r of record.requests) {
    for (const c of record.curls.filter((x) => x.url === r.url)) {
      let parsed: CurlRequest | string;
      try {
        parsed = parseCurl(c.command);
      } catch (e) {
        parsed = String(e);
      }
      out.push({ demo: r.demo, row: c.method === 'OPTIONS' ? 'preflight' : 'request', parsed });
    }
  }
  return out;
}
