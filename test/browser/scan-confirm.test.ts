/**
 * The scanner's zoo (test/scan/zoo.ts) confirmed in real Chromium, Firefox
 * and WebKit: a page served at a probe origin runs `fetch(url, { credentials:
 * 'include' })` (and `'omit'`) against each zoo server and tells whether it
 * read the body.
 *
 * Probe origins exist on loopback: every host name is mapped to 127.0.0.1
 * in the browser (Chromium `--host-resolver-rules=MAP * 127.0.0.1`, Firefox
 * `network.dns.forceResolve`; WebKitGTK's MiniBrowser has no such switch, so
 * it is started with `--proxy` at an HTTP proxy of this suite that sends
 * every request to 127.0.0.1, port kept: WebKit resolves no name, as Chromium
 * here), and the zoo's legit origins carry the port of
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
 *   (or a navigation that never ends); WebKitGTK (through the proxy) loads
 *   all six, and its requests carry the probe origin as written (`{`
 *   included: only the request line to the proxy percent-encodes the host).
 *   {@link NAVIGABLE_SPECIAL} holds these facts and a test checks them,
 *   against the probe table's pageOriginIn for each of the three browsers
 *   (through the judge's hostableIn). So the zoo's
 *   url.parse server (which lets only `{` and `` ` `` through) is confirmed
 *   in Chromium and WebKit.
 *
 * WebKit runs in one MiniBrowser launch: a driver page opens an iframe at
 * each probe origin (a few at a time), and each posts what it read back to
 * this suite's page server, which answers for the zoo's page port through
 * the proxy.
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
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserName } from '../../src/engine/types.js';
import { PROBE_CLASSES, probesFor } from '../../src/policy/probes.js';
import { hostableIn } from '../../src/scan/judge.js';
import type { Zoo, ZooServer } from '../scan/zoo.js';
import { SECRET_BODY, ZOO_SERVER_NAMES, startZoo } from '../scan/zoo.js';
import { launch } from './harness.js';
import { requireBrowser, requireWebKit } from './require-browser.js';

const PROBE_CLASS_IDS: ReadonlySet<string> = new Set<string>(PROBE_CLASSES.map((c) => c.id));

/** The special characters of the probe table whose hosts each browser loads a page at (see the top of this file). */
const NAVIGABLE_SPECIAL: Record<BrowserName, string[]> = {
  chromium: ['_', '!', '~', '$', '{', '`'],
  firefox: ['_', '$'],
  webkit: ['_', '!', '~', '$', '{', '`'],
};

/** Zoo servers a browser cannot confirm at all: none of the probe origins the server lets through is one the browser loads. */
const UNCONFIRMABLE: Record<BrowserName, string[]> = {
  chromium: [],
  firefox: ['special-characters/node:http (hand-written)'],
  webkit: [],
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

/** The zoo's page port's pages in WebKit: the driver, a probe page per origin, and the results they post. */
interface WebKitPages {
  server: Server;
  port: number;
  results: Map<number, string[]>;
}

/** Every request through the proxy goes to 127.0.0.1 on its port; the zoo's page port to this suite's pages instead. */
function startProxy(pagePort: number, pages: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const port = url.port === '' ? 80 : Number(url.port);
    const up = request({ host: '127.0.0.1', port: port === pagePort ? pages : port, path: `${url.pathname}${url.search}`, method: req.method, headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.rawHeaders);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  // No https through it: the https probes are not confirmed (see the top of this file).
  server.on('connect', (_req, socket: NodeJS.WritableStream & { destroy: () => void }) => socket.destroy());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

/**
 * The pages WebKit loads: `/driver` opens an iframe at each origin of the
 * plan, four at a time (`null`: a page at the legit origin that runs the
 * fetches from a sandboxed iframe); each page posts its outcomes to
 * `/result?i=<n>` and tells the driver it is done.
 */
function startWebKitPages(origins: string[], targetsOf: (i: number) => Target[], legit: string): Promise<WebKitPages> {
  const results = new Map<number, string[]>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const i = Number(url.searchParams.get('i'));
    if (url.pathname === '/result') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        results.set(i, JSON.parse(body) as string[]);
        res.writeHead(204, { 'Access-Control-Allow-Origin': '*' }).end();
      });
      return;
    }
    res.setHeader('Content-Type', 'text/html');
    if (url.pathname === '/driver') {
      const pages = origins.map((o, k) => `${o === 'null' ? legit : o}/probe?i=${k}`);
      res.end(`<!doctype html><body><script>
const pages = ${JSON.stringify(pages)};
let next = 0;
function open() {
  if (next >= pages.length) return;
  const frame = document.createElement('iframe');
  frame.src = pages[next++];
  let done = false;
  const finish = () => { if (!done) { done = true; frame.remove(); open(); } };
  frame.dataset.page = frame.src;
  setTimeout(finish, 15000);
  window.addEventListener('message', (e) => { if (e.source === frame.contentWindow) finish(); });
  document.body.appendChild(frame);
}
for (let k = 0; k < 4; k++) open();
</script></body>`);
      return;
    }
    const fn = origins[i] === 'null' ? FETCH_ALL_OPAQUE : FETCH_ALL;
    res.end(`<!doctype html><body><script>
(${fn})(${JSON.stringify(targetsOf(i))}, ${JSON.stringify(SECRET_BODY)})
  .then((r) => fetch('/result?i=${i}', { method: 'POST', body: JSON.stringify(r) }))
  .finally(() => parent.postMessage('done', '*'));
</script>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, results })));
}

/** Ends a child started in its own process group. */
function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Starts Xvfb on a display it picks (-displayfd). */
function startXvfb(binary: string): Promise<{ child: ChildProcess; display: number }> {
  const child = spawn(binary, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x800x24'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], detached: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Xvfb gave no display within 10 s')), 10_000);
    let out = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      out += d.toString('latin1');
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, display: Number(m[1]) });
      }
    });
  });
}

/** The same confirmation in WebKitGTK: one MiniBrowser through the proxy, the driver page opening each origin. */
async function confirmInWebKit(zoo: Zoo, plan: Map<string, ZooServer[]>): Promise<Confirmation> {
  const { miniBrowser, xvfb } = requireWebKit();
  const origins = [...plan.keys()];
  const targetsOf = (i: number): Target[] => (plan.get(origins[i] as string) ?? []).flatMap((s) => (['include', 'omit'] as const).map((credentials) => ({ url: s.url, credentials })));
  const pages = await startWebKitPages(origins, targetsOf, zoo.legit);
  const proxy = await startProxy(zoo.pagePort, pages.port);
  const home = mkdtempSync(join(tmpdir(), 'corsproof-scan-webkit-'));
  for (const d of ['data', 'cache', 'config', 'runtime']) mkdirSync(join(home, d), { mode: 0o700 });
  const x = await startXvfb(xvfb);
  const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), XDG_RUNTIME_DIR: join(home, 'runtime'), DISPLAY: `:${x.display}`, NO_AT_BRIDGE: '1', LIBGL_ALWAYS_SOFTWARE: '1' };
  const browser = spawn(miniBrowser, [`--proxy=http://127.0.0.1:${proxy.port}`, `http://corsproof-driver.invalid:${zoo.pagePort}/driver`], { stdio: 'ignore', detached: true, env });
  try {
    // Every page posts within its 15 s; the driver gives up on one after that (no page), four at a time.
    const deadline = Date.now() + 30_000 + Math.ceil(origins.length / 4) * 16_000;
    while (pages.results.size < origins.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // The last pages that never post: give them their 15 s.
    const settle = Date.now() + 16_000;
    while (pages.results.size < origins.length && Date.now() < settle && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    stopGroup(browser);
    stopGroup(x.child);
    rmSync(home, { recursive: true, force: true });
    pages.server.closeAllConnections();
    pages.server.close();
    proxy.server.closeAllConnections();
    proxy.server.close();
  }
  const outcomes = new Map<string, Map<string, Outcome>>(zoo.servers.map((s) => [s.name, new Map()]));
  const refused = new Map<string, string>();
  origins.forEach((origin, i) => {
    const results = pages.results.get(i);
    if (results === undefined) refused.set(origin, 'no page posted its results within 15 s');
    targetsOf(i).forEach((t, k) => {
      const server = (plan.get(origin) ?? [])[Math.floor(k / 2)] as ZooServer;
      const r = results?.[k] ?? 'no page';
      outcomes.get(server.name)?.set(key(origin, t.credentials), r === 'read' || r === 'no page' ? r : 'blocked');
    });
  });
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

for (const browser of ['chromium', 'firefox', 'webkit'] as const) {
  describe(`the scan zoo in real ${browser}: a page at the probe origin reads credentialed responses exactly where high and medium findings are planted`, () => {
    let zoo: Zoo | undefined;
    let b: Browser | undefined;
    let result: Confirmation;
    let standIn = '';
    const lets = new Map<string, boolean>();

    beforeAll(async () => {
      if (browser !== 'webkit') requireBrowser(browser);
      zoo = await startZoo();
      const z = zoo;
      standIn = `http://corsproof-probe.invalid:${z.pagePort}`;
      const plan = planFor(z, standIn);
      await Promise.all([...plan].flatMap(([origin, servers]) => servers.map(async (s) => lets.set(`${s.name} ${origin}`, await serverLets(s.url, origin)))));
      if (browser === 'webkit') result = await confirmInWebKit(z, plan);
      else {
        b = await launch(browser, LAUNCH_EXTRAS);
        result = await confirm(b, z, plan);
      }
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
      // What the scanner's `browsers` field follows (the probe table's pageOriginIn) agrees with this browser.
      for (const origin of planned) expect(hostableIn(origin)[browser], origin).toBe(!result.refused.has(origin));
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
