import { describe, expect, it } from 'vitest';
import { REASONS } from './reasons.js';
import type { ReasonContext } from './reasons.js';
import type { CredentialsMode, Initiator } from './types.js';

/** The 15 reasons MDN documents for Firefox. */
const MDN_FIREFOX_REASONS = [
  'CORSAllowOriginNotMatchingOrigin',
  'CORSDidNotSucceed',
  'CORSDisabled',
  'CORSExternalRedirectNotAllowed',
  'CORSInvalidAllowHeader',
  'CORSInvalidAllowMethod',
  'CORSMethodNotFound',
  'CORSMissingAllowCredentials',
  'CORSMissingAllowHeaderFromPreflight',
  'CORSMissingAllowOrigin',
  'CORSMultipleAllowOriginNotAllowed',
  'CORSNotSupportingCredentials',
  'CORSOriginHeaderNotAdded',
  'CORSPreflightDidNotSucceed',
  'CORSRequestNotHttp',
];

function contexts(): ReasonContext[] {
  const out: ReasonContext[] = [];
  for (const initiator of ['fetch', 'xhr', 'eventsource'] as Initiator[]) {
    for (const credentials of ['omit', 'same-origin', 'include'] as CredentialsMode[]) {
      for (const preflight of [false, true]) {
        out.push({
          url: 'https://api.example/x',
          redirectedFrom: null,
          origin: 'https://app.example',
          requestOrigin: 'https://app.example',
          initiator,
          credentials,
          method: 'PUT',
          value: 'x-custom',
          status: 404,
          preflight,
        });
      }
    }
  }
  return out;
}

describe('reason table', () => {
  it('covers every MDN Firefox reason, and no other', () => {
    const reasons = new Set(REASONS.flatMap((r) => (r.firefox ? [r.firefox.reason] : [])));
    expect([...reasons].sort()).toEqual([...MDN_FIREFOX_REASONS].sort());
  });
  it('has unique ids and unique Chromium codes', () => {
    const ids = REASONS.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const codes = REASONS.flatMap((r) =>
      r.chromium?.corsError ? [r.chromium.corsError, ...(r.chromium.preflightCorsError ? [r.chromium.preflightCorsError] : [])] : [],
    );
    expect(new Set(codes).size).toBe(codes.length);
  });
  it.each(REASONS.map((r) => [r.id, r] as const))('%s: fixes never advise * with credentials or reflecting any origin', (_id, row) => {
    for (const ctx of contexts()) {
      const server = row.fixServer(ctx);
      const client = row.fixClient(ctx) ?? '';
      expect(server.length).toBeGreaterThan(20);
      for (const text of [server, client]) {
        expect(text).not.toMatch(/Access-Control-Allow-Origin: \*`?[^\n]*Allow-Credentials: true/);
        expect(text).not.toMatch(/reflect (the|any) origin/i);
        expect(text).not.toMatch(/mode to 'no-cors'/);
      }
      if (ctx.credentials !== 'include' || ctx.initiator === 'fetch') {
        // The client half names the flag of the API in use, never another API's.
        if (ctx.initiator === 'fetch') expect(client).not.toContain('withCredentials');
      }
      if (ctx.initiator !== 'fetch') expect(client).not.toContain("credentials: '");
    }
  });
});
