/**
 * Every demo API is also a test: `check`'s verdict for it must be what real
 * Chromium, Firefox and WebKit do against that same server (pass/fail;
 * Chromium's CorsError and message, Firefox's message, every console line
 * WebKit logs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/doctor/check.js';
import type { CheckReport } from '../../src/doctor/check.js';
import type { RunningDemo } from '../../src/demo/servers.js';
import { startDemos, stopDemos } from '../../src/demo/servers.js';
import type { BrowserName, Verdict } from '../../src/engine/types.js';
import type { Observation, World } from './harness.js';
import { runCases, startWorld } from './harness.js';
import { requireBrowser, requireWebKit } from './require-browser.js';
import { predicted, seenBy } from './shapes.js';
import { runWebKitCases } from './webkit.js';
import type { WebKitObservation } from './webkit.js';

/** What WebKit did: pass or fail, and every console line attributed to the case. */
function seenByWebKit(o: Observation): { ok: boolean; messages: string[] } {
  return { ok: o.ok, messages: (o as WebKitObservation).webkit.messages };
}

/** What check's verdict says WebKit does, in the same terms (`verdict.webkit.messages`). */
function predictedForWebKit(v: Verdict): { ok: boolean; messages: string[] } {
  return { ok: v.browsers.webkit.ok, messages: v.webkit?.messages ?? [] };
}

for (const browser of ['chromium', 'firefox', 'webkit'] as const satisfies readonly BrowserName[]) {
  describe(`the demo APIs: check vs real ${browser}`, () => {
    let world: World | undefined;
    let demos: RunningDemo[] = [];
    const reports = new Map<string, CheckReport>();
    let observations: Observation[] = [];

    beforeAll(async () => {
      if (browser === 'webkit') requireWebKit();
      else requireBrowser(browser);
      world = await startWorld(browser === 'webkit' ? { unknownUserAgent: 'webkit' } : {});
      const page = world.pageOrigin;
      demos = await startDemos(page);
      const cases = demos.map((d, i) => {
        const id = `demo${i}`;
        const request = { url: `${new URL(d.url).origin}/c/${id}/0`, origin: page, method: d.demo.method, headers: d.demo.headers, credentials: d.demo.credentials };
        return { id, request };
      });
      for (const c of cases) reports.set(c.id, await check(c.request, { timeoutMs: 5000 }));
      const scenarios = cases.map((c) => ({ id: c.id, scenario: { request: c.request, preflight: null, response: { status: 200, headers: [] } } }));
      const w = world;
      observations = browser === 'webkit' ? await runWebKitCases(w, scenarios) : await runCases(browser, w, scenarios);
    });
    afterAll(async () => {
      await stopDemos(demos);
      await world?.close();
    });

    it('agrees with the browser on every demo', () => {
      const rows = observations.map((o, i) => {
        const v = (reports.get(o.id) as CheckReport).verdict;
        const seen = browser === 'webkit' ? seenByWebKit(o) : seenBy(browser, o);
        const said = browser === 'webkit' ? predictedForWebKit(v) : predicted(browser, v);
        return { demo: demos[i]?.demo.id, seen, predicted: said };
      });
      expect(rows.filter((r) => JSON.stringify(r.seen) !== JSON.stringify(r.predicted))).toEqual([]);
      expect(rows.filter((r) => r.seen.ok)).toHaveLength(1); // only the corsproof-fixed API passes
      if (browser === 'webkit') {
        // Not vacuous: the seed case's three lines, as WebKit logs them.
        const seed = rows.find((r) => r.demo === 'wildcard-credentials');
        expect(seed?.seen.ok).toBe(false);
        expect((seed?.seen as { messages: string[] }).messages[0]).toBe('Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.');
      }
    });
  });
}
