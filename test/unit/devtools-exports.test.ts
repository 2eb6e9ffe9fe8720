/**
 * Regression cases from real DevTools exports: the HAR files and "Copy as
 * cURL" commands Chromium 156 and Firefox 153 exported for the demo requests
 * (captured by test/browser/exports.test.ts with CORSPROOF_UPDATE_FIXTURES=1),
 * with what each browser did. The doctor must read them back into the
 * requests the page made and reach the browser's verdicts, offline.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../devtools-exports.js';
import { curlRows, harRows, names } from '../devtools-exports.js';
import { parseCurl } from '../../src/doctor/curl.js';

const load = (file: string): string => readFileSync(new URL(`../../src/doctor/fixtures/${file}`, import.meta.url), 'utf8');

describe.each(['chromium', 'firefox'] as const)('real %s DevTools exports', (browser) => {
  const record = JSON.parse(load(`${browser}.capture.json`)) as CaptureRecord;
  const har = JSON.parse(load(`${browser}.har`)) as { log: { creator: { name: string } } };

  it('are what that browser exported', () => {
    expect(record.browser).toBe(browser);
    expect(har.log.creator.name).toBe(browser === 'chromium' ? 'WebInspector' : 'Firefox');
    expect(record.requests.length).toBeGreaterThanOrEqual(12);
  });

  it('HAR: one diagnosis per request, with the verdict the browser reached', () => {
    const rows = harRows(har, record);
    expect(rows.map((r) => [r.demo, r.found, r.diagnosed])).toEqual(rows.map((r) => [r.demo, 1, r.seen]));
    expect(rows.map((r) => [r.demo, r.method, r.headers])).toEqual(record.requests.map((q) => [q.demo, q.method, names(q.headers)]));
  });

  it('cURL: every copied command (request and preflight rows) reads back as the request the page made', () => {
    const rows = curlRows(record);
    expect(rows.length).toBeGreaterThan(record.requests.length);
    const got = rows.map((r) => (typeof r.parsed === 'string' ? [r.demo, r.row, r.parsed] : [r.demo, r.row, r.parsed.url, r.parsed.method, r.parsed.origin, names(r.parsed.headers)]));
    const want = rows.map((r) => {
      const q = record.requests.find((x) => x.demo === r.demo);
      return [r.demo, r.row, q?.url, q?.method, record.pageOrigin, names(q?.headers ?? [])];
    });
    expect(got).toEqual(want);
  });

  it('cURL: the Windows (cmd) form of every command reads back the same as the POSIX form', () => {
    const rows = record.curls.map((c) => ({ url: c.url, method: c.method, windows: parseCurl(c.windows) }));
    expect(rows).toEqual(record.curls.map((c) => ({ url: c.url, method: c.method, windows: parseCurl(c.command) })));
  });
});
