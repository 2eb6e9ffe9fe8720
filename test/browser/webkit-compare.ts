/**
 * What real WebKit did against what `evaluateIn('webkit')` says, field by
 * field: the comparison the WebKit differential suite
 * (differential-webkit.test.ts) makes for every case.
 *
 * Fields: `ok` (script could read the response); `preflights` (each one's
 * Origin, Access-Control-Request-Method and -Headers, in order); `requests`
 * (each hop's method and Origin, in order); `reason` (WebKit's reason line,
 * the one its inspector reports with source "security"); `console` (every
 * line attributed to the case, in order, with its source); `readableHeaders`
 * (when both pass and WebKit reports them: not for EventSource).
 */
import { evaluateIn, webkitConsole } from '../../src/engine/evaluate.js';
import type { BrowserOutcome } from '../../src/engine/evaluate.js';
import { reason, webkitMessage } from '../../src/engine/reasons.js';
import type { Scenario } from '../../src/engine/types.js';
import type { WebKitObservation } from './webkit.js';

export type WebKitField = 'ok' | 'preflights' | 'requests' | 'reason' | 'console' | 'readableHeaders';

export const WEBKIT_FIELDS: readonly WebKitField[] = ['ok', 'preflights', 'requests', 'reason', 'console', 'readableHeaders'];

export interface WebKitDisagreement {
  id: string;
  field: WebKitField;
  engine: unknown;
  browser: unknown;
  tags: string[];
}

/** A URL as the servers record it: without user:password@ (browsers send it in no header). */
function withoutUserinfo(url: string): string {
  return url.replace(/^(https?:\/\/)[^@/]*@/, '$1');
}

/** What the engine says WebKit does, in the shape the harness observes. */
export function webkitExpected(scenario: Scenario): Record<WebKitField, unknown> & { outcome: BrowserOutcome } {
  const o = evaluateIn('webkit', scenario);
  const header = (h: Array<[string, string]>, name: string): string | null => h.find(([n]) => n === name)?.[1] ?? null;
  const row = o.reasonId === null ? null : reason(o.reasonId);
  return {
    outcome: o,
    ok: o.ok,
    preflights: o.preflights.map((p) => ({
      origin: header(p.headers, 'Origin') ?? '',
      acrm: header(p.headers, 'Access-Control-Request-Method') ?? '',
      acrh: header(p.headers, 'Access-Control-Request-Headers'),
    })),
    requests: o.requests.map((r) => ({ method: r.method, url: withoutUserinfo(r.url), origin: header(r.headers, 'Origin') })),
    reason: row !== null && o.context !== null ? webkitMessage(row, o.context) : null,
    console: webkitConsole(scenario, o).map((l) => `[${l.source}] ${l.text}`),
    readableHeaders: o.exposedHeaders,
  };
}

/** What WebKit did, in the same shape. */
export function webkitSeen(obs: WebKitObservation): Record<WebKitField, unknown> {
  return {
    ok: obs.ok,
    preflights: obs.preflights.map((p) => ({ origin: p.origin ?? '', acrm: p.acrm ?? '', acrh: p.acrh })),
    requests: obs.requests.map((r) => ({ method: r.method, url: r.url, origin: r.origin })),
    reason: obs.webkit.entries.find((e) => e.source === 'security')?.text ?? null,
    console: obs.webkit.entries.map((e) => `[${e.source}] ${e.text}`),
    readableHeaders: obs.readableHeaders,
  };
}

/** Every field on which WebKit and the engine disagree for one case. */
export function compareWebKit(c: { id: string; tags: string[]; scenario: Scenario }, obs: WebKitObservation): WebKitDisagreement[] {
  const engine = webkitExpected(c.scenario);
  const seen = webkitSeen(obs);
  const out: WebKitDisagreement[] = [];
  for (const field of WEBKIT_FIELDS) {
    // Readable headers: only when both let script read the response and WebKit reports them (not EventSource).
    if (field === 'readableHeaders' && !(engine.ok === true && obs.ok && obs.readableHeaders !== null)) continue;
    if (JSON.stringify(engine[field]) !== JSON.stringify(seen[field])) out.push({ id: c.id, field, engine: engine[field], browser: seen[field], tags: c.tags });
  }
  return out;
}
