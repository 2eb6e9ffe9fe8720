/**
 * HAR and cURL parsing on files exported by real Chromium and Firefox
 * DevTools: each browser makes every demo request from a page with DevTools
 * open, then its own DevTools code exports the HAR and "Copy as cURL" for
 * each request. The doctor must read them back into the requests the page
 * made and reach the verdicts the browser reached.
 *
 * With CORSPROOF_UPDATE_FIXTURES=1 the captures are also written to
 * src/doctor/fixtures/, which the unit suite replays without a browser.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/doctor/check.js';
import type { RunningDemo } from '../../src/demo/servers.js';
import { startDemos, stopDemos } from '../../src/demo/servers.js';
import type { CaptureRecord, CapturedRequest } from '../devtools-exports.js';
import { curlRows, harRows, names, observed, outcome } from '../devtools-exports.js';
import type { Capture } from './exports.js';
import { captureExports } from './exports.js';
import { requireBrowser } from './require-browser.js';

const FIXTURES = new URL('../../src/doctor/fixtures/', import.meta.url);

for (const browser of ['chromium', 'firefox'] as const) {
  describe(`DevTools exports of real ${browser}`, () => {
    let demos: RunningDemo[] = [];
    let capture: Capture | undefined;
    let record: CaptureRecord | undefined;

    beforeAll(async () => {
      requireBrowser(browser);
      capture = await captureExports(browser, async (page) => {
        demos = await startDemos(page);
        return demos.map((d) => ({ url: d.url, method: d.demo.method, headers: d.demo.headers.map(([n, v]) => [n, v] as [string, string]), credentials: d.demo.credentials }));
      });
      const c = capture;
      const requests: CapturedRequest[] = demos.map((d, i) => {
        const reports = c.reported.get(d.url) ?? [];
        return {
          demo: d.demo.id,
          url: d.url,
          method: d.demo.method,
          headers: d.demo.headers.map(([n, v]) => [n, v] as [string, string]),
          credentials: d.demo.credentials,
          observedOk: c.outcomes[i] === true,
          chromiumCode: browser === 'chromium' ? (reports[0] ?? null) : null,
          firefoxMessage: browser === 'firefox' ? (reports[0] ?? null) : null,
        };
      });
      record = { browser, pageOrigin: c.pageOrigin, requests, curls: c.curls };
      mkdirSync('.cache/exports', { recursive: true });
      writeFileSync(`.cache/exports/${browser}.har`, c.har);
      writeFileSync(`.cache/exports/${browser}.capture.json`, `${JSON.stringify(record, null, 2)}\n`);
      if (process.env.CORSPROOF_UPDATE_FIXTURES === '1') {
        mkdirSync(FIXTURES, { recursive: true });
        writeFileSync(new URL(`${browser}.har`, FIXTURES), c.har);
        writeFileSync(new URL(`${browser}.capture.json`, FIXTURES), `${JSON.stringify(record, null, 2)}\n`);
      }
    });
    afterAll(async () => {
      await stopDemos(demos);
    });

    it('the browser blocked every demo but the fixed one, and said why', () => {
      const r = record as CaptureRecord;
      expect(r.requests.filter((q) => q.observedOk).map((q) => q.demo)).toEqual(['fixed-with-corsproof']);
      // Every blocked request has the browser's own report, so the comparisons below compare with something.
      expect(r.requests.filter((q) => !q.observedOk && (browser === 'chromium' ? q.chromiumCode : q.firefoxMessage) === null).map((q) => q.demo)).toEqual([]);
    });

    it('the HAR export holds one diagnosis per request, agreeing with the browser', () => {
      const r = record as CaptureRecord;
      const rows = harRows(JSON.parse((capture as Capture).har), r);
      expect(rows.filter((row) => row.found !== 1)).toEqual([]);
      expect(rows.filter((row) => row.seen !== row.diagnosed).map(({ demo, seen, diagnosed }) => ({ demo, seen, diagnosed }))).toEqual([]);
      // The request rebuilt is the one the page made.
      const rebuilt = rows.map((row) => ({ demo: row.demo, method: row.method, headers: row.headers }));
      expect(rebuilt).toEqual(r.requests.map((q) => ({ demo: q.demo, method: q.method, headers: names(q.headers) })));
    });

    it('the HAR credentials mode: what the browser recorded, or the ambiguity spelled out', () => {
      const rows = harRows(JSON.parse((capture as Capture).har), record as CaptureRecord);
      const credentialed = rows.filter((row) => ['wildcard-credentials', 'credentials-missing'].includes(row.demo));
      expect(credentialed).toHaveLength(2);
      for (const row of credentialed) {
        const d = row.diagnosis;
        if (browser === 'chromium') {
          // Chromium marks the failed request (net::ERR_FAILED); only credentials explain the failure.
          expect(d?.credentialsFrom).toBe('browser-failure');
          expect(d?.verdict?.ok).toBe(false);
        } else {
          // Firefox's HAR records no failure: judged without credentials, the credentialed verdict alongside.
          expect(d?.credentialsFrom).toBe('assumed');
          expect(d?.ifCredentialed?.ok).toBe(false);
          // The doctor speaks of requests: the CLI adds its flag (--credentials include) to the report.
          expect(d?.remarks.join(' ')).not.toMatch(/--[a-z]/);
        }
      }
    });

    it("each request's Copy as cURL reads back as the request the page made", () => {
      const r = record as CaptureRecord;
      const rows = curlRows(r);
      expect(rows.filter((row) => typeof row.parsed === 'string')).toEqual([]);
      // Every request has its own row; every preflighted one its preflight's row too.
      for (const q of r.requests) expect(rows.some((row) => row.demo === q.demo && row.row === 'request')).toBe(true);
      const got = rows.map((row) => {
        const p = row.parsed as Exclude<typeof row.parsed, string>;
        return { demo: row.demo, row: row.row, url: p.url, method: p.method, origin: p.origin, headers: names(p.headers) };
      });
      const want = rows.map((row) => {
        const q = r.requests.find((x) => x.demo === row.demo) as CapturedRequest;
        return { demo: row.demo, row: row.row, url: q.url, method: q.method, origin: r.pageOrigin, headers: names(q.headers) };
      });
      expect(got).toEqual(want);
    });

    it('checking each copied cURL command live reaches the browser\'s verdict', async () => {
      const r = record as CaptureRecord;
      const rows = curlRows(r);
      const results: Array<{ demo: string; row: string; seen: string; checked: string }> = [];
      for (const row of rows) {
        const p = row.parsed as Exclude<typeof row.parsed, string>;
        const q = r.requests.find((x) => x.demo === row.demo) as CapturedRequest;
        // A copied command carries no credentials mode unless cookies were sent: the user says it (--credentials), as here.
        const report = await check({ url: p.url, origin: p.origin as string, method: p.method, headers: p.headers, credentials: q.credentials }, { timeoutMs: 5000 });
        results.push({ demo: row.demo, row: row.row, seen: observed(q, browser), checked: outcome(report.verdict, browser) });
      }
      expect(results.length).toBeGreaterThan(r.requests.length);
      expect(results.filter((x) => x.seen !== x.checked)).toEqual([]);
    });
  });
}
