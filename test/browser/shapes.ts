/**
 * What the browser suites share: the request shapes pages commonly make, and
 * how a browser's observation and the engine's verdict are compared (pass
 * or fail, Chromium's CorsError and console line, Firefox's console line).
 */
import type { CredentialsMode, HeaderList, Verdict } from '../../src/engine/types.js';
import type { Observation } from './harness.js';

/** A request as a page makes it. */
export interface Shape {
  name: string;
  method: string;
  headers: HeaderList;
  credentials: CredentialsMode;
}

export const SHAPES: Shape[] = [
  { name: 'GET', method: 'GET', headers: [], credentials: 'same-origin' },
  { name: 'GET with credentials', method: 'GET', headers: [], credentials: 'include' },
  { name: 'PUT JSON with credentials', method: 'PUT', headers: [['Content-Type', 'application/json']], credentials: 'include' },
  { name: 'DELETE with X-Api-Key', method: 'DELETE', headers: [['X-Api-Key', 'k']], credentials: 'same-origin' },
  { name: 'POST with X-Secret', method: 'POST', headers: [['X-Secret', 's']], credentials: 'same-origin' },
  { name: 'PATCH', method: 'PATCH', headers: [], credentials: 'same-origin' },
];

/** What a browser did, in the terms compared. */
export function seenBy(browser: 'chromium' | 'firefox', o: Observation): { ok: boolean; code: string | null; message: string | null } {
  return browser === 'chromium'
    ? { ok: o.ok, code: o.chromium?.corsError ?? null, message: o.chromium?.messages.find((m) => m.includes('blocked by CORS policy')) ?? null }
    : { ok: o.ok, code: null, message: o.firefox?.messages.find((m) => m.startsWith('Cross-Origin Request Blocked')) ?? null };
}

/** What the engine says that browser does, in the same terms. */
export function predicted(browser: 'chromium' | 'firefox', v: Verdict): { ok: boolean; code: string | null; message: string | null } {
  return browser === 'chromium'
    ? { ok: v.browsers.chromium.ok, code: v.chromium?.corsError ?? null, message: v.chromium?.message ?? null }
    : { ok: v.browsers.firefox.ok, code: null, message: v.firefox?.message ?? null };
}
