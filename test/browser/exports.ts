/**
 * Capture what real browsers' DevTools export: a HAR file ("Save all as
 * HAR" / "Copy all as HAR") and "Copy as cURL" for each request, made by the
 * browsers' own DevTools code from traffic they really sent.
 *
 * - Chromium serves its bundled DevTools frontend on the remote-debugging
 *   port; the capture opens it, attached to the page, exactly as a developer
 *   would, and calls the frontend's HAR writer and cURL generator on the
 *   frontend's network log.
 * - Firefox opens its DevTools toolbox (network monitor) on the tab through
 *   the parent process (the harness's --remote-allow-system-access), asks the
 *   toolbox for its HAR (the WebExtension devtools.network.getHAR path) and
 *   runs the network monitor's cURL generator on each request's data.
 *
 * Test tooling only; the product never drives a browser.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'puppeteer-core';
import type { BrowserKind } from './harness.js';
import { firefoxChromeEvaluate, launch, tapFirefoxConsole } from './harness.js';

/** One request the page makes with fetch(). */
export interface PageRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  credentials: 'omit' | 'same-origin' | 'include';
  body?: string;
}

/** What one browser's DevTools exported, and what the page saw. */
export interface Capture {
  browser: BrowserKind;
  pageOrigin: string;
  /** The HAR text as DevTools writes it. */
  har: string;
  /** "Copy as cURL" for every request in the network log, in log order: the POSIX shell form and the Windows cmd form. */
  curls: Array<{ url: string; method: string; command: string; windows: string }>;
  /** Per page request, in order: whether fetch() resolved. */
  outcomes: boolean[];
  /**
   * What the browser itself reported, per request URL: Chromium's CorsError
   * names (Audits issues), Firefox's "Cross-Origin Request Blocked" console
   * errors, in arrival order.
   */
  reported: Map<string, string[]>;
}

function addReport(reported: Map<string, string[]>, url: string, text: string): void {
  const list = reported.get(url) ?? [];
  list.push(text);
  reported.set(url, list);
}

const PAGE_HTML = '<!doctype html><meta charset="utf-8"><title>corsproof export capture</title><p>capture</p>';

async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', req.url === '/warmup' ? 'text/plain' : 'text/html; charset=utf-8');
    res.end(req.url === '/warmup' ? 'warm' : PAGE_HTML);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function runRequests(page: Page, requests: PageRequest[]): Promise<boolean[]> {
  return page.evaluate(async (list: PageRequest[]) => {
    const out: boolean[] = [];
    for (const r of list) {
      try {
        const init: RequestInit = { method: r.method, headers: r.headers, credentials: r.credentials };
        if (r.body !== undefined) init.body = r.body;
        const res = await fetch(r.url, init);
        await res.text();
        out.push(true);
      } catch {
        out.push(false);
      }
    }
    return out;
  }, requests);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The frontend's modules, as the bundled DevTools serves them (paths relative to inspector.html). */
const CHROMIUM_EXPORT = `(async () => {
  const Logs = await import('./models/logs/logs.js');
  const HAR = await import('./models/har/har.js');
  const Network = await import('./panels/network/network.js');
  const requests = Logs.NetworkLog.NetworkLog.instance().requests().filter((r) => !r.url().endsWith('/warmup'));
  // What "Save all as HAR (with sensitive data)" writes: the HAR writer into an output stream.
  let text = '';
  const stream = { write: async (chunk) => { text += chunk; }, close: async () => {} };
  try {
    const progress = { setTitle() {}, setTotalWork() {}, setWorked() {}, incrementWorked() {}, done() {}, isCanceled: () => false, totalWork: 0, worked: 0, title: '', canceled: false };
    await HAR.Writer.Writer.write(stream, requests, { sanitize: false }, progress);
  } catch (e) {
    text = JSON.stringify({ log: await HAR.Log.Log.build(requests, { sanitize: false }) }, null, 2);
  }
  const curls = [];
  for (const r of requests) curls.push({ url: r.url(), method: r.requestMethod, command: await Network.NetworkLogView.NetworkLogView.generateCurlCommand(r, 'unix'), windows: await Network.NetworkLogView.NetworkLogView.generateCurlCommand(r, 'win') });
  return JSON.stringify({ har: text, curls });
})()`;

async function captureChromium(browser: Browser, pageOrigin: string, requests: PageRequest[]): Promise<Omit<Capture, 'browser' | 'pageOrigin'>> {
  const port = new URL(browser.wsEndpoint()).port;
  const page = await browser.newPage();
  const reported = new Map<string, string[]>();
  const cdp = await page.createCDPSession();
  cdp.on('Audits.issueAdded', (event: { issue: { details: { corsIssueDetails?: { request: { url: string }; corsErrorStatus: { corsError: string } } } } }) => {
    const d = event.issue.details.corsIssueDetails;
    if (d !== undefined) addReport(reported, d.request.url, d.corsErrorStatus.corsError);
  });
  await cdp.send('Audits.enable');
  await page.goto(`${pageOrigin}/`);
  const targetId = (page.target() as unknown as { _targetId: string })._targetId;
  const devtools = await browser.newPage();
  await devtools.goto(`http://127.0.0.1:${port}/devtools/inspector.html?ws=127.0.0.1:${port}/devtools/page/${targetId}`);
  // The frontend records only once attached: wait until it has seen a warm-up request.
  const seesWarmup = `(async () => { const Logs = await import('./models/logs/logs.js'); return Logs.NetworkLog.NetworkLog.instance().requests().some((r) => r.url().endsWith('/warmup')); })()`;
  for (let i = 0; ; i++) {
    await page.evaluate(() => fetch('/warmup').then((r) => r.text()));
    if ((await devtools.evaluate(seesWarmup)) === true) break;
    if (i > 50) throw new Error('the Chromium DevTools frontend never started recording the network log');
    await sleep(200);
  }
  const outcomes = await runRequests(page, requests);
  await sleep(500);
  const out = JSON.parse((await devtools.evaluate(CHROMIUM_EXPORT)) as string) as { har: string; curls: Capture['curls'] };
  return { ...out, outcomes, reported };
}

const FIREFOX_OPEN_TOOLBOX = `(async () => {
  const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
  const { gDevTools } = require('devtools/client/framework/devtools');
  const win = Services.wm.getMostRecentWindow('navigator:browser');
  const toolbox = await gDevTools.showToolboxForTab(win.gBrowser.selectedTab, { toolId: 'netmonitor' });
  globalThis.__corsproofToolbox = toolbox;
  return toolbox.currentToolId;
})()`;

/** The toolbox's HAR, and the network monitor's "Copy as cURL" (POSIX) for each request, from the monitor's own request data. */
const FIREFOX_EXPORT = `(async () => {
  const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
  const { Curl } = require('devtools/client/shared/curl');
  const toolbox = globalThis.__corsproofToolbox;
  const log = await toolbox.getHARFromNetMonitor();
  log.entries = log.entries.filter((e) => !e.request.url.endsWith('/warmup'));
  const api = await toolbox.getNetMonitorAPI();
  const curls = [];
  for (const item of api.store.getState().requests.requests) {
    if (item.url.endsWith('/warmup')) continue;
    const headers = item.requestHeaders || (await api.connector.requestData(item.id, 'requestHeaders'));
    let postData = item.requestPostData;
    try { postData = postData || (await api.connector.requestData(item.id, 'requestPostData')); } catch (e) { postData = null; }
    const data = { url: item.url, method: item.method, headers: headers ? headers.headers : [], httpVersion: item.httpVersion, postDataText: postData && postData.postData ? postData.postData.text : '' };
    curls.push({ url: item.url, method: item.method, command: Curl.generateCommand(data, 'Linux'), windows: Curl.generateCommand(data, 'WINNT') });
  }
  return JSON.stringify({ har: JSON.stringify({ log }, null, 2), curls });
})()`;

async function captureFirefox(browser: Browser, pageOrigin: string, requests: PageRequest[]): Promise<Omit<Capture, 'browser' | 'pageOrigin'>> {
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const reported = new Map<string, string[]>();
  // Firefox's console service (parent process) sees every CORS message; BiDi's page errors can miss the first.
  const drain = await tapFirefoxConsole(browser);
  if (drain === null) throw new Error('cannot read the Firefox console (is --remote-allow-system-access set?)');
  await page.goto(`${pageOrigin}/`);
  const tool = await firefoxChromeEvaluate(browser, FIREFOX_OPEN_TOOLBOX);
  if (tool !== 'netmonitor') throw new Error(`Firefox DevTools opened ${tool}, not the network monitor`);
  await page.evaluate(() => fetch('/warmup').then((r) => r.text()));
  const outcomes = await runRequests(page, requests);
  await sleep(1000);
  const out = JSON.parse(await firefoxChromeEvaluate(browser, FIREFOX_EXPORT)) as { har: string; curls: Capture['curls'] };
  for (const entry of await drain()) {
    if (!entry.text.startsWith('Cross-Origin Request Blocked')) continue;
    const url = requests.map((r) => r.url).find((u) => entry.text.includes(u));
    if (url !== undefined) addReport(reported, url, entry.text);
  }
  return { ...out, outcomes, reported };
}

/**
 * Make `requests` with fetch() from a page on a loopback origin in a fresh
 * browser with DevTools open, and return what DevTools exports. `pageOrigin`
 * is served by a server started here; pass `onPageOrigin` to learn it before
 * the requests are made (e.g. to start servers that name it).
 */
export async function captureExports(kind: BrowserKind, makeRequests: (pageOrigin: string) => Promise<PageRequest[]>): Promise<Capture> {
  const { server, origin } = await startPageServer();
  let browser: Browser | undefined;
  try {
    const requests = await makeRequests(origin);
    browser = await launch(kind);
    const out = kind === 'chromium' ? await captureChromium(browser, origin, requests) : await captureFirefox(browser, origin, requests);
    return { browser: kind, pageOrigin: origin, ...out };
  } finally {
    await browser?.close().catch(() => undefined);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
