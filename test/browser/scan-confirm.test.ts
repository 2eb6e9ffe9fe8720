/**
 * The scanner's zoo (test/scan/zoo.ts) confirmed in real Chromium and
 * Firefox: a page served at a probe origin runs `fetch(url, { credentials:
 * 'include' })` (and `'omit'`) against each zoo server and tells whether it
 * read the body.
 *
 * Probe origins exist on loopback: every host name is mapped to 127.0.0.1
 * in the browser (Chromium `--host-resolver-rules=MAP * 127.0.0.1`, Firefox
 * `network.dns.forceResolve`), and the zoo's legit origins carry the port of
 * the zoo's page server (`http://app.example.com:<pagePort>`), so every
 * probe origin the table derives from them carries it too and is served by
 * that one page server, whatever the host. The fixed probe origins have no
 * port and are https (`https://corsproof-probe.invalid`, the hosting
 * services); this suite keeps to plain http, so:
 *
 * - reflects-any-origin is confirmed with a stand-in, the probe host over
 *   http on the page port (`http://corsproof-probe.invalid:<pagePort>`): a
 *   server that allows any origin allows it as well;
 * - trusts-third-party-host is not confirmed (its probes are https only);
 * - the https derived probes of an https legit origin are not confirmed; the
 *   http twin (trusts-http-origin) is, being plain http;
 * - probe origins without the page port (fixed ones such as
 *   `http://localhost.corsproof-probe.invalid`, port 80) are not tried;
 * - trusts-null is confirmed from a sandboxed iframe (`sandbox="allow-scripts"`,
 *   srcdoc), whose requests carry `Origin: null`;
 * - special-characters: the hosts each browser navigates to differ. Seen with
 *   Debian's chromium and firefox-esr (names mapped to 127.0.0.1 as above):
 *   Chromium loads a page at each of `_ ! ~ $ { \``
 *   (`http://app.example.com<c>.corsproof-probe.invalid:<port>`); Firefox
 *   loads `_` and `$` only, and refuses `! ~ { \`` with NS_ERROR_UNKNOWN_HOST
 *   (or a navigation that never ends). {@link NAVIGABLE_SPECIAL} holds these
 *   facts and a test checks them. So the zoo's url.parse server (which lets
 *   only `{` and `` ` `` through) is confirmed in Chromium only.
 *
 * What is asserted, per browser and zoo server:
 * - a planted probe class (high, medium or low): among its confirmable probe
 *   origins, the browser reads some with credentials ⇔ the planted severity
 *   is high or medium; a low one is read without credentials;
 * - every other server (info, missing-vary-origin, the twins): no probe
 *   origin at all (every class's, null and the stand-in) reads with
 *   credentials;
 * - every server: the legit origin (when http) reads with credentials ⇔ the
 *   table says a page at it does (the positive control).
 *
 * Later the scanner's `browsers` field is compared with this; for now, the
 * zoo's table is the expectation.
 */
import { request } from 'node:http';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_CLASSES, pageOriginIn, probesFor } from '../../src/policy/probes.js';
import type { Zoo, ZooServer } from '../scan/zoo.js';
import { SECRET_BODY, ZOO_SERVER_NAMES, startZoo } from '../scan/zoo.js';
import type { BrowserKind } from './harness.js';
import { launch } from './harness.js';
import { requireBrowser } from './require-browser.js';

const PROBE_CLASS_IDS: ReadonlySet<string> = new Set<string>(PROBE_CLASSES.map((c) => c.id));

/** The special characters of the probe table whose hosts each browser loads a page at (see the top of this file). */
const NAVIGABLE_SPECIAL: Record<BrowserKind, string[]> = {
  chromium: ['_', '!', '~', '$', '{', '`'],
  firefox: ['_', '$'],
};

/** Zoo servers a browser cannot confirm at all: none of the probe origins the server lets through is one the browser loads. */
const UNCONFIRMABLE: Record<BrowserKind, string[]> = {
  chromium: [],
  firefox: ['special-characters/node:http (hand-written)'],
};

/** Every host name to 127.0.0.1 (the zoo listens there; the page server answers for any host). */
const LAUNCH_EXTRAS = {
  chromiumArgs: ['--host-resolver-rules=MAP * 127.0.0.1, EXCLUDE localhost'],
  firefoxPrefs: { 'network.dns.forceResolve': '127.0.0.1' },
};

type Credentials = 'include' | 'omit';
type Outcome = 'read' | 'blocked' | 'no page';

interface Target {
  url: string;
  credentials: Credentials;
}

/** Run in the page (or the sandboxed iframe): fetch each target, 'read' when the body is the zoo's. */
const FETCH_ALL = `async (targets, secret) => Promise.all(targets.map(async (t) => {
  try {
    const r = await fetch(t.url, { credentials: t.credentials, cache: 'no-store' });
    const body = await r.text();
    return body === secret ? 'read' : 'other ' + r.status;
  } catch (e) {
    return 'blocked';
  }
}))`;

/** From a sandboxed iframe (Origin: null): the same fetches, results posted to the parent. */
const FETCH_ALL_OPAQUE = `(targets, secret) => new Promise((resolve) => {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts');
  window.addEventListener('message', (e) => { if (e.source === frame.contentWindow) resolve(e.data); });
  const code = '(' + ${JSON.stringify(FETCH_ALL)} + ')(' + JSON.stringify(targets) + ', ' + JSON.stringify(secret) + ').then((r) => parent.postMessage(r, "*"))';
  frame.srcdoc = '<script>' + code + '<' + '/script>';
  document.body.appendChild(frame);
})`;

/** Whether the server, asked from Node with this Origin, allows exactly it (one Access-Control-Allow-Origin line, a 2xx). */
function serverLets(url: string, origin: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Origin: origin }, agent: false }, (res) => {
      res.resume();
      const lines: string[] = [];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) if ((res.rawHeaders[i] as string).toLowerCase() === 'access-control-allow-origin') lines.push(res.rawHeaders[i + 1] as string);
      res.on('end', () => resolve((res.statusCode ?? 0) < 300 && lines.length === 1 && lines[0] === origin));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether a page can be served at this probe origin: plain http on the page server's port (the stand-in's too). */
function servable(origin: string, standIn: string): boolean {
  return origin.startsWith('http://') && new URL(origin).port === new URL(standIn).port;
}

/** The origins a page can be served at for one class of one server (`null` from the sandboxed iframe, the stand-in for reflects-any-origin). */
function confirmableOrigins(server: ZooServer, id: string, standIn: string): string[] {
  if (id === 'trusts-null') return ['null'];
  if (id === 'reflects-any-origin') return [standIn];
  return probesFor([server.legitOrigin])
    .filter((p) => p.id === id && servable(p.origin, standIn))
    .map((p) => p.origin);
}

/** Every origin a page can be served at, of every class, for a server that plants no probe class. */
function everyProbeOrigin(server: ZooServer, standIn: string): string[] {
  const origins = probesFor([server.legitOrigin])
    .map((p) => p.origin)
    .filter((o) => o === 'null' || servable(o, standIn));
  return [...origins, standIn];
}

const specialOf = (origin: string): string | null => /^http:\/\/app\.example\.com([^.])\.corsproof-probe\.invalid:\d+$/.exec(origin)?.[1] ?? null;

interface Confirmation {
  /** `<origin> <credentials>` → outcome, per zoo server. */
  outcomes: Map<string, Map<string, Outcome>>;
  /** Origins whose page the browser would not load, with the error. */
  refused: Map<string, string>;
}

const key = (origin: string, credentials: Credentials): string => `${origin} ${credentials}`;

/** Load a page at each origin once, and from it fetch every zoo server that origin is checked against. */
async function confirm(b: Browser, zoo: Zoo, plan: Map<string, ZooServer[]>): Promise<Confirmation> {
  const outcomes = new Map<string, Map<string, Outcome>>(zoo.servers.map((s) => [s.name, new Map()]));
  const refused = new Map<string, string>();
  const page: Page = await b.newPage();
  for (const [origin, servers] of plan) {
    const targets: Target[] = servers.flatMap((s) => (['include', 'omit'] as const).map((credentials) => ({ url: s.url, credentials })));
    const pageOrigin = origin === 'null' ? zoo.legit : origin;
    let results: string[];
    try {
      await page.goto(`${pageOrigin}/page`, { waitUntil: 'load', timeout: 15_000 });
      const fn = origin === 'null' ? FETCH_ALL_OPAQUE : FETCH_ALL;
      results = (await page.evaluate(`(${fn})(${JSON.stringify(targets)}, ${JSON.stringify(SECRET_BODY)})`)) as string[];
    } catch (e) {
      refused.set(origin, String(e).split('\n')[0] as string);
      results = targets.map(() => 'no page');
    }
    targets.forEach((t, i) => {
      const server = servers[Math.floor(i / 2)] as ZooServer;
      const r = results[i] as string;
      outcomes.get(server.name)?.set(key(origin, t.credentials), r === 'read' || r === 'no page' ? r : 'blocked');
    });
  }
  await page.close();
  return { outcomes, refused };
}

/** The planted probe classes a page on plain http can confirm (trusts-third-party-host's probes are https only). */
function confirmableClasses(server: ZooServer): ZooServer['planted'] {
  return server.planted.filter((p) => PROBE_CLASS_IDS.has(p.id) && p.id !== 'trusts-third-party-host');
}

/** Which origins each server is checked from: its planted classes' origins, or every probe origin; and the legit origin when http. */
function planFor(zoo: Zoo, standIn: string): Map<string, ZooServer[]> {
  const plan = new Map<string, ZooServer[]>();
  const add = (origin: string, s: ZooServer): void => {
    const list = plan.get(origin) ?? [];
    if (!list.includes(s)) list.push(s);
    plan.set(origin, list);
  };
  for (const s of zoo.servers) {
    const classes = confirmableClasses(s);
    const origins = classes.length > 0 ? classes.flatMap((p) => confirmableOrigins(s, p.id, standIn)) : everyProbeOrigin(s, standIn);
    for (const o of origins) add(o, s);
    if (s.legitOrigin.startsWith('http://')) add(s.legitOrigin, s);
  }
  return plan;
}

for (const browser of ['chromium', 'firefox'] as const) {
  describe(`the scan zoo in real ${browser}: a page at the probe origin reads credentialed responses exactly where high and medium findings are planted`, () => {
    let zoo: Zoo | undefined;
    let b: Browser | undefined;
    let result: Confirmation;
    let standIn = '';
    const lets = new Map<string, boolean>();

    beforeAll(async () => {
      requireBrowser(browser);
      zoo = await startZoo();
      const z = zoo;
      standIn = `http://corsproof-probe.invalid:${z.pagePort}`;
      const plan = planFor(z, standIn);
      await Promise.all([...plan].flatMap(([origin, servers]) => servers.map(async (s) => lets.set(`${s.name} ${origin}`, await serverLets(s.url, origin)))));
      b = await launch(browser, LAUNCH_EXTRAS);
      result = await confirm(b, z, plan);
      const refused = [...result.refused].map(([o, e]) => `  ${o}: ${e}`).join('\n');
      console.log(`[${browser}] scan zoo: ${plan.size} page origins, ${[...plan.values()].reduce((n, l) => n + l.length, 0)} origin×server pairs; pages refused:\n${refused || '  none'}`);
    });
    afterAll(async () => {
      await b?.close();
      await zoo?.close();
    });

    it(`loads pages at exactly these special-character hosts: ${NAVIGABLE_SPECIAL[browser].join(' ')}; every other probe origin loads`, () => {
      const refused = [...result.refused.keys()];
      expect(refused.filter((o) => specialOf(o) === null)).toEqual([]);
      const planned = [...new Set([...result.outcomes.values()].flatMap((m) => [...m.keys()].map((k) => k.split(' ')[0] as string)))];
      const special = planned.map(specialOf).filter((c): c is string => c !== null);
      expect(special.sort()).toEqual(['_', '!', '~', '$', '{', '`'].sort());
      expect(special.filter((c) => !refused.some((o) => specialOf(o) === c)).sort()).toEqual([...NAVIGABLE_SPECIAL[browser]].sort());
      // The probe table's own record of it (pageOriginIn, which the scanner's `browsers` field follows) agrees with this browser.
      for (const origin of planned) expect(pageOriginIn(origin)[browser], origin).toBe(!result.refused.has(origin));
    });

    for (const name of ZOO_SERVER_NAMES) {
      it(name, () => {
        const server = zoo?.servers.find((s) => s.name === name) as ZooServer;
        const seen = result.outcomes.get(name) as Map<string, Outcome>;
        const reads = (origin: string, credentials: Credentials): boolean => {
          const outcome = seen.get(key(origin, credentials));
          if (outcome === undefined) throw new Error(`${origin} (${credentials}) was never tried against ${name}`);
          return outcome === 'read';
        };
        const loaded = (origin: string): boolean => !result.refused.has(origin);
        const problems: string[] = [];
        if (server.legitOrigin.startsWith('http://') && reads(server.legitOrigin, 'include') !== server.legitReadsWithCredentials) {
          problems.push(`the legit origin ${server.legitOrigin} ${server.legitReadsWithCredentials ? 'does not read' : 'reads'} with credentials`);
        }
        const classes = confirmableClasses(server);
        const unconfirmed: string[] = [];
        for (const p of classes) {
          const origins = confirmableOrigins(server, p.id, standIn).filter(loaded);
          const letThrough = origins.filter((o) => lets.get(`${name} ${o}`) === true);
          if (letThrough.length === 0) {
            unconfirmed.push(p.id);
            continue;
          }
          const credentialed = p.severity === 'high' || p.severity === 'medium';
          const readWith = origins.filter((o) => reads(o, 'include'));
          if (credentialed !== readWith.length > 0) problems.push(`${p.id} (${p.severity}): read with credentials from [${readWith.join(', ')}] of [${origins.join(', ')}]`);
          if (!credentialed && !origins.some((o) => reads(o, 'omit'))) problems.push(`${p.id} (low): no page at [${origins.join(', ')}] reads it even without credentials`);
        }
        expect(unconfirmed).toEqual(UNCONFIRMABLE[browser].includes(name) ? classes.map((p) => p.id) : []);
        if (classes.length === 0) {
          const readers = everyProbeOrigin(server, standIn).filter((o) => reads(o, 'include'));
          if (readers.length > 0) problems.push(`probe origins read it with credentials: ${readers.join(', ')}`);
          if (server.planted.some((p) => p.id === 'wildcard') && !reads(standIn, 'omit')) problems.push(`wildcard: the page at ${standIn} does not read it without credentials`);
        }
        expect(problems).toEqual([]);
      });
    }
  });
}
