/**
 * Every demo API is also a test: `check`'s verdict for it (pass/fail,
 * Chromium's CorsError and message, Firefox's message) must be what real
 * Chromium and Firefox do against that same server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/doctor/check.js';
import type { CheckReport } from '../../src/doctor/check.js';
import type { RunningDemo } from '../../src/demo/servers.js';
import { startDemos, stopDemos } from '../../src/demo/servers.js';
import type { Observation, World } from './harness.js';
import { runCases, startWorld } from './harness.js';
import { requireBrowser } from './require-browser.js';
import { predicted, seenBy } from './shapes.js';

for (const browser of ['chromium', 'firefox'] as const) {
  describe(`the demo APIs: check vs real ${browser}`, () => {
    let world: World | undefined;
    let demos: RunningDemo[] = [];
    const reports = new Map<string, CheckReport>();
    let observations: Observation[] = [];

    beforeAll(async () => {
      requireBrowser(browser);
      world = await startWorld();
      const page = world.pageOrigin;
      demos = await startDemos(page);
      const cases = demos.map((d, i) => {
        const id = `demo${i}`;
        const request = { url: `${new URL(d.url).origin}/c/${id}/0`, origin: page, method: d.demo.method, headers: d.demo.headers, credentials: d.demo.credentials };
        return { id, request };
      });
      for (const c of cases) reports.set(c.id, await check(c.request, { timeoutMs: 5000 }));
      observations = await runCases(
        browser,
        world,
        cases.map((c) => ({ id: c.id, scenario: { request: c.request, preflight: null, response: { status: 200, headers: [] } } })),
      );
    });
    afterAll(async () => {
      await stopDemos(demos);
      await world?.close();
    });

    it('agrees with the browser on every demo', () => {
      const rows = observations.map((o, i) => {
        const v = (reports.get(o.id) as CheckReport).verdict;
        return { demo: demos[i]?.demo.id, seen: seenBy(browser, o), predicted: predicted(browser, v) };
      });
      expect(rows.filter((r) => JSON.stringify(r.seen) !== JSON.stringify(r.predicted))).toEqual([]);
      expect(rows.filter((r) => r.seen.ok)).toHaveLength(1); // only the corsproof-fixed API passes
    });
  });
}
