/**
 * The scanner's data: what is scanned (a target), what it finds (a
 * finding, with the exchanges that show it), and the JSON contract of
 * `corsproof scan --json`.
 */
import type { HeaderList } from '../engine/types.js';
import type { FindingId, Severity } from '../policy/findings.js';

export type { FindingId, Severity };

/** Where a target was read from, so that a report (SARIF) can point at it. */
export type TargetSource =
  | { kind: 'argument'; index: number }
  | { kind: 'url-list'; file: string; line: number }
  | { kind: 'openapi'; file: string; line: number; pointer: string }
  | { kind: 'har'; file: string; entry: number };

/**
 * One route to scan: a URL and the method its pages use, with the request
 * headers those pages send (e.g. `Content-Type: application/json`), which
 * decide the preflight the probes send.
 */
export interface ScanTarget {
  url: string;
  /** The route's method, normalized (`GET`, `POST`, ...). */
  method: string;
  /** Request headers the route's pages set from script (no credentials: those come from `--cookie`, `--bearer`, `-H`). */
  headers: HeaderList;
  /** Page origins seen calling this route (a HAR's Origin headers), learned as legit origins. */
  origins: string[];
  source: TargetSource;
}

/** One request the scanner sent and what came back. */
export interface Evidence {
  request: { method: string; url: string; headers: HeaderList };
  response: { status: number; headers: HeaderList };
}

/** One finding on one route. */
export interface Finding {
  url: string;
  method: string;
  id: FindingId;
  severity: Severity;
  /** The Origin that showed it (a probe origin, the legit origin, or `null` for a request without Origin). */
  probe: string | null;
  /** What is wrong, in one or two plain sentences naming the values seen. */
  message: string;
  /** Every exchange that shows it (two for missing-vary-origin). */
  evidence: Evidence[];
  /** Whether each browser lets a page at the probe origin read the response (with credentials for high and medium findings). */
  browsers: { chromium: boolean; firefox: boolean; webkit: boolean };
  /** What to change, in words. */
  fix: string;
  /** The corsproof fix recipe for the detected stack (`corsproof check --stack <id>` renders it), `null` when no layer was recognised. */
  recipe: string | null;
  /** The layer that answered (nginx, Express, Cloudflare, ...), as the doctor detects it; `null` when none shows. */
  layer: string | null;
  /** Beside a credentialed finding: whether the user's cookies would ride along (SameSite, third-party cookie blocking); context only. */
  cookies?: string;
  /** The target's source, for SARIF locations. */
  source: TargetSource;
}
