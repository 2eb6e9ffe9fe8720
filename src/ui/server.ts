/**
 * `corsproof ui`'s server: the playground page (dist/site) and its API on
 * loopback only. It fetches URLs for the page (the doctor's live check), so
 * it must never become a proxy for other websites:
 *
 * - it listens on 127.0.0.1 only;
 * - every request must name it in Host (`127.0.0.1:PORT` or
 *   `localhost:PORT`), so a page on another name that resolves to 127.0.0.1
 *   (DNS rebinding) gets 421;
 * - an API call carrying an Origin other than the server's own (or a
 *   Sec-Fetch-Site other than same-origin) gets 403;
 * - every API call must carry the per-launch token in `X-Corsproof-Token`
 *   (compared in constant time); it travels only in the printed URL's
 *   fragment, which browsers never send, so a page elsewhere cannot know it;
 * - the API sends no CORS headers, so no other origin may read an answer;
 * - the page is served with a Content-Security-Policy (no inline script,
 *   connections to itself only), `X-Content-Type-Options: nosniff` and no
 *   framing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { check } from '../doctor/check.js';
import { NetworkFailure } from '../doctor/exchange.js';
import { checkJson, networkFailureJson } from '../doctor/report-json.js';
import { ScenarioError } from '../engine/request.js';
import type { ScenarioRequest } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';
import type { CheckJson, NetworkFailureJson } from '../doctor/report-json.js';
import type { ApiErrorJson, CheckAnswerJson, HealthJson, LiveReportJson, NetworkFailureAnswer } from './api.js';
import { CHECK_PATH, HEALTH_PATH, TOKEN_HEADER } from './api.js';

/** The only address the server listens on. */
export const LOOPBACK = '127.0.0.1';

/** The page's Content-Security-Policy: its own scripts, styles and API only; no inline script, no framing. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The largest `POST /api/check` body accepted (a ScenarioRequest is a few hundred bytes). */
const MAX_BODY = 64 * 1024;

/** Live checks running at once; more get 429. */
const MAX_CHECKS = 4;

/** Options of {@link startUiServer}. */
export interface UiServerOptions {
  /** The built page: dist/site (index.html and its assets). */
  siteDir: string;
  /** The port; 0 or undefined for a free one. */
  port?: number;
  /** The token (default: 32 random bytes, hex). */
  token?: string;
  /** Per-request timeout of live checks, ms (default 10 000). */
  timeoutMs?: number;
}

/** A running server. */
export interface UiServer {
  port: number;
  token: string;
  /** `http://127.0.0.1:PORT/`. */
  origin: string;
  /** The page with the token in the fragment: `http://127.0.0.1:PORT/#token=...`. */
  pageUrl: string;
  close(): Promise<void>;
}

/** The built page is missing (the package was not built with `npm run build:site`). */
export class SiteMissingError extends Error {
  constructor(siteDir: string) {
    super(`the playground page is not built: ${join(siteDir, 'index.html')} is missing (run npm run build:site)`);
    this.name = 'SiteMissingError';
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  body: Buffer;
  type: string;
}

/** The site's files, read once: a request can name only these (no path is ever joined from a URL). */
function readSite(siteDir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  let names: string[];
  try {
    names = readdirSync(siteDir);
  } catch {
    throw new SiteMissingError(siteDir);
  }
  for (const name of names) {
    const path = join(siteDir, name);
    const type = TYPES[extname(name)];
    if (type === undefined || !statSync(path).isFile()) continue;
    files.set(`/${name}`, { body: readFileSync(path), type });
  }
  const index = files.get('/index.html');
  if (index === undefined) throw new SiteMissingError(siteDir);
  files.set('/', index);
  return files;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Whether `given` is the token, in time independent of where they differ (both hashed to one length first). */
function tokenMatches(given: string | undefined, expected: Buffer): boolean {
  return given !== undefined && timingSafeEqual(digest(given), expected);
}

/** Headers every answer carries. */
function baseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/** A refusal: the status and one short line of text. */
function refuse(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': "default-src 'none'", ...extra });
  res.end(`${message}\n`);
}

function sendJson(res: ServerResponse, status: number, body: HealthJson | CheckAnswerJson | CheckJson): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Security-Policy': "default-src 'none'" });
  res.end(JSON.stringify(body));
}

/** Read a request body up to `MAX_BODY` bytes; null when it is longer. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A ScenarioRequest from untrusted JSON, checked as a scenario file's request is (the error names the field). */
function requestFrom(json: unknown): ScenarioRequest {
  const { request } = validateScenario({ request: json, preflight: null, response: { status: 200, headers: [] } });
  if ((request.initiator ?? 'fetch') === 'fetch') {
    const url = new URL(request.url);
    if (url.username !== '' || url.password !== '') {
      throw new ScenarioError('request.url', 'the URL has a user name or password: fetch() throws a TypeError for such URLs before sending anything');
    }
  }
  return request;
}

const invalid = (message: string, field?: string): ApiErrorJson => ({ error: { kind: 'invalid', ...(field !== undefined ? { field } : {}), message } });

/** The server's state shared by its handlers. */
interface State {
  token: Buffer;
  timeoutMs: number;
  running: number;
}

/** `POST /api/check`: the doctor's live check of the request in the body. */
async function checkRoute(req: IncomingMessage, res: ServerResponse, state: State): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return refuse(res, 415, 'POST /api/check takes application/json');
  const text = await readBody(req);
  if (text === null) return refuse(res, 413, `the body is larger than ${MAX_BODY} bytes`);
  let request: ScenarioRequest;
  try {
    request = requestFrom(JSON.parse(text) as unknown);
  } catch (e) {
    if (e instanceof ScenarioError) return sendJson(res, 400, invalid(e.message, e.field));
    return sendJson(res, 400, invalid('the body is not JSON'));
  }
  if (state.running >= MAX_CHECKS) return sendJson(res, 429, { error: { kind: 'too-busy', message: `${MAX_CHECKS} live checks are already running; try again when one is done` } });
  state.running++;
  try {
    const report = await check(request, { timeoutMs: state.timeoutMs });
    // The whole report, as check --json prints it; the page reads the LiveReportJson part of it.
    const json: CheckJson & LiveReportJson = checkJson(report);
    sendJson(res, 200, json);
  } catch (e) {
    if (e instanceof NetworkFailure) {
      const failure: NetworkFailureJson & NetworkFailureAnswer = networkFailureJson(e);
      return sendJson(res, 502, failure);
    }
    if (e instanceof ScenarioError) return sendJson(res, 400, invalid(e.message, e.field));
    throw e;
  } finally {
    state.running--;
  }
}

/** An API call: same origin, the token, then the route. */
async function api(req: IncomingMessage, res: ServerResponse, path: string, ownOrigin: string, state: State): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ownOrigin) return refuse(res, 403, `Forbidden: the API answers only its own page (${ownOrigin}), not Origin ${origin}`);
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return refuse(res, 403, `Forbidden: the API answers only its own page (Sec-Fetch-Site: ${site})`);
  const token = req.headers[TOKEN_HEADER.toLowerCase()];
  if (!tokenMatches(typeof token === 'string' ? token : undefined, state.token)) {
    return refuse(res, 403, `Forbidden: missing or wrong ${TOKEN_HEADER} (the token is in the URL corsproof ui printed)`);
  }
  if (path === HEALTH_PATH) {
    if (req.method !== 'GET') return refuse(res, 405, `${HEALTH_PATH} takes GET`, { Allow: 'GET' });
    return sendJson(res, 200, { live: true });
  }
  if (path === CHECK_PATH) {
    if (req.method !== 'POST') return refuse(res, 405, `${CHECK_PATH} takes POST`, { Allow: 'POST' });
    return checkRoute(req, res, state);
  }
  return refuse(res, 404, 'Not Found');
}

/** A file of the page. */
function serveStatic(req: IncomingMessage, res: ServerResponse, path: string, files: Map<string, StaticFile>): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'the page takes GET and HEAD', { Allow: 'GET, HEAD' });
  const file = files.get(path);
  if (file === undefined) return refuse(res, 404, 'Not Found');
  res.writeHead(200, {
    'Content-Type': file.type,
    'Content-Length': String(file.body.length),
    'Content-Security-Policy': PAGE_CSP,
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** The Host names the server answers to. */
function hostsFor(port: number): Set<string> {
  const hosts = new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);
  if (port === 80) for (const h of [LOOPBACK, 'localhost']) hosts.add(h);
  return hosts;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Serve the page and its API on 127.0.0.1 (a free port unless `port`
 * says). Throws {@link SiteMissingError} when the page is not built, and
 * the listen error (EADDRINUSE, ...) when the port cannot be had.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const files = readSite(options.siteDir);
  const token = options.token ?? randomBytes(32).toString('hex');
  const state: State = { token: digest(token), timeoutMs: options.timeoutMs ?? 10_000, running: 0 };
  let hosts = new Set<string>();
  const server = createServer((req, res) => {
    baseHeaders(res);
    const host = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) return refuse(res, 421, `Misdirected Request: this server answers only as ${[...hosts].join(' or ')}, not Host ${host || '(none)'}`);
    // The path only: an absolute-form target (http://elsewhere/...) names nothing else here.
    const path = (req.url ?? '/').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/)[0] ?? '/';
    const done = path.startsWith('/api/') ? api(req, res, path, `http://${req.headers.host ?? ''}`.toLowerCase(), state) : Promise.resolve(serveStatic(req, res, path, files));
    done.catch((e: unknown) => {
      if (!res.headersSent) refuse(res, 500, `internal error: ${(e as Error).message ?? String(e)}`);
      else res.destroy();
    });
  });
  const port = await listen(server, options.port ?? 0);
  hosts = hostsFor(port);
  const origin = `http://${LOOPBACK}:${port}/`;
  return {
    port,
    token,
    origin,
    pageUrl: `${origin}#token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
