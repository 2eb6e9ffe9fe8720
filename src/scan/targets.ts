/**
 * The scanner's inputs read into targets: URLs given as arguments, a URL
 * list (one per line, streamed), an OpenAPI 3.0/3.1 document (servers ×
 * paths × methods) and a HAR export (every cross-origin request the page
 * made, read by the doctor's HAR reader).
 *
 * Two kinds of trouble: a {@link TargetError} (the input cannot be read at
 * all: a missing file, a Swagger 2.0 document, a bad argument) is thrown;
 * a {@link TargetProblem} (one line or one operation is unusable) is
 * collected and the rest is read on.
 */
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Document, Node as YamlNode } from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { diagnoseHar, HarError } from '../doctor/har.js';
import { isHeaderValue, isToken } from '../engine/headers.js';
import { isCorsSafelistedRequestHeader, isForbiddenMethod, isForbiddenRequestHeader } from '../engine/safelist.js';
import type { HeaderList } from '../engine/types.js';
import type { ScanTarget, TargetSource } from './types.js';

/** Where a {@link TargetError} points: a file (and line), or a field such as `argument 2`. */
export interface TargetLocation {
  file?: string;
  line?: number;
  field?: string;
}

/**
 * An input that cannot be read at all. The message starts with where
 * (`file:line: `, `file: ` or `field: `) and says what to do; print it as it
 * is (no stack trace).
 */
export class TargetError extends Error {
  readonly file: string | null;
  readonly line: number | null;
  readonly field: string | null;
  /** The message without its location prefix. */
  readonly detail: string;
  constructor(detail: string, at: TargetLocation = {}) {
    const where = at.file !== undefined ? `${at.file}${at.line !== undefined ? `:${at.line}` : ''}${at.field !== undefined ? `: ${at.field}` : ''}` : at.field;
    super(where !== undefined ? `${where}: ${detail}` : detail);
    this.name = 'TargetError';
    this.file = at.file ?? null;
    this.line = at.line ?? null;
    this.field = at.field ?? null;
    this.detail = detail;
  }
}

/** One unusable line of a URL list or operation of an OpenAPI document; the rest is still read. */
export interface TargetProblem {
  file: string;
  /** 1-based line in the file. */
  line: number;
  /** What is wrong and what to do (no location prefix). */
  message: string;
  /** For OpenAPI: the JSON pointer of what is wrong (an operation, a server). */
  pointer?: string;
}

// ---------------------------------------------------------------------------
// URLs and methods

/** The URL parsed as an absolute http(s) URL, its fragment dropped (requests never carry one), or why not. */
function checkHttpUrl(input: string): { href: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    const guess = !input.includes('://') && /^[\w.-]+(:\d+)?(\/|$)/.test(input) ? `https://${input}` : null;
    return { error: `'${input}' is not an absolute URL: write it with its scheme${guess !== null ? `, e.g. ${guess}` : ', e.g. https://api.example.com/items'}` };
  }
  if (!input.includes('://') && /^[\w.-]+:\d+(\/|$)/.test(input)) return { error: `'${input}' is not an absolute URL: write it with its scheme, e.g. http://${input}` };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `'${input}' is a ${url.protocol} URL: corsproof scan sends HTTP requests, give an http:// or https:// URL` };
  if (url.username !== '' || url.password !== '') {
    return { error: `'${input}' has a user name or password in it, which fetch() refuses: remove them and pass credentials with --bearer, --cookie or -H` };
  }
  url.hash = '';
  return { href: url.href };
}

/** The method upper-cased, or why pages cannot send it. */
function checkMethod(input: string): { method: string } | { error: string } {
  if (!isToken(input)) return { error: `'${input}' is not an HTTP method (a token such as GET, PUT or PATCH)` };
  const method = input.toUpperCase();
  if (isForbiddenMethod(method)) return { error: `pages cannot send ${method} (fetch() refuses CONNECT, TRACE and TRACK), so CORS does not apply to it` };
  return { method };
}

/**
 * Targets from URLs given as arguments, each with `method` (default `GET`)
 * and no headers. The source index is the URL's position in `urls` (0-based).
 *
 * @throws TargetError naming the argument (`argument 2`, 1-based) when one is
 *   not an absolute http(s) URL, or the method when it is not one.
 */
export function targetsFromUrls(urls: readonly string[], method = 'GET'): ScanTarget[] {
  const m = checkMethod(method);
  if ('error' in m) throw new TargetError(m.error, { field: 'method' });
  return urls.map((u, index) => {
    const checked = checkHttpUrl(u);
    if ('error' in checked) throw new TargetError(checked.error, { field: `argument ${index + 1}` });
    return { url: checked.href, method: m.method, headers: [], origins: [], source: { kind: 'argument', index } };
  });
}

// ---------------------------------------------------------------------------
// URL lists

/** What a URL list yields, in file order: a target, or a line that is not one. */
export type UrlListItem = { kind: 'target'; target: ScanTarget } | { kind: 'problem'; problem: TargetProblem };

/** Options of {@link readUrlList} and {@link readUrlLines}. */
export interface UrlListOptions {
  /** The method of lines that name none (default `GET`). */
  method?: string;
}

/** One line of a URL list: `URL` or `METHOD URL`. */
function urlListLine(text: string, method: string): { method: string; url: string } | { error: string } {
  const words = text.split(/\s+/);
  if (words.length > 2) return { error: `expected 'URL' or 'METHOD URL', got ${words.length} words (encode spaces in a URL as %20)` };
  const [first, second] = words as [string, string | undefined];
  if (second === undefined) {
    const url = checkHttpUrl(first);
    return 'error' in url ? url : { method, url: url.href };
  }
  if (first.includes('://') && !second.includes('://')) return { error: `write the method first: '${second} ${first}'` };
  const m = checkMethod(first);
  if ('error' in m) return m;
  const url = checkHttpUrl(second);
  return 'error' in url ? url : { method: m.method, url: url.href };
}

/**
 * The URL-list reader over any source of lines (a file's, stdin's): one
 * target per line (`URL` or `METHOD URL`), blank lines and `#` comment lines
 * skipped, every other line yielded as a problem. Line numbers count every
 * line from 1. Nothing is kept between lines.
 *
 * @throws TargetError when the method option is not a method.
 */
export async function* readUrlLines(lines: AsyncIterable<string> | Iterable<string>, file: string, options: UrlListOptions = {}): AsyncGenerator<UrlListItem> {
  const fallback = checkMethod(options.method ?? 'GET');
  if ('error' in fallback) throw new TargetError(fallback.error, { field: 'method' });
  let line = 0;
  for await (const raw of lines) {
    line++;
    const text = (line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw).trim();
    if (text === '' || text.startsWith('#')) continue;
    const read = urlListLine(text, fallback.method);
    if ('error' in read) {
      yield { kind: 'problem', problem: { file, line, message: read.error } };
      continue;
    }
    yield { kind: 'target', target: { url: read.url, method: read.method, headers: [], origins: [], source: { kind: 'url-list', file, line } } };
  }
}

/** A file-system error in words, as a TargetError on the file. */
function fileError(error: unknown, file: string): TargetError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
  return new TargetError(`cannot read the file: ${why}`, { file });
}

/**
 * Read a URL list file line by line (node:readline: a file of millions of
 * lines streams in flat memory), as {@link readUrlLines} says. Stop iterating
 * early and the file is closed.
 *
 * ```ts
 * for await (const item of readUrlList('urls.txt')) {
 *   if (item.kind === 'problem') warn(`${item.problem.file}:${item.problem.line}: ${item.problem.message}`);
 *   else scan(item.target);
 * }
 * ```
 *
 * @throws TargetError when the file cannot be read.
 */
export async function* readUrlList(file: string, options: UrlListOptions = {}): AsyncGenerator<UrlListItem> {
  let handle;
  try {
    handle = await open(file);
  } catch (error) {
    throw fileError(error, file);
  }
  const stream = handle.createReadStream({ encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  // readline's iterator does not always reject on a read error (EISDIR): remember it and throw it after.
  let failure: unknown = null;
  stream.on('error', (error) => {
    failure = error;
    lines.close();
  });
  try {
    yield* readUrlLines(lines, file, options);
    if (failure !== null) throw failure;
  } catch (error) {
    if (error instanceof TargetError) throw error;
    throw fileError(error, file);
  } finally {
    lines.close();
    stream.destroy();
    await handle.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// OpenAPI

/** Options of {@link readOpenApi}. */
export interface OpenApiOptions {
  /** The URL relative server URLs (`/v1`, or none at all, which means `/`) are resolved against. */
  base?: string;
}

/** Where the value of one `{name}` of a path template came from. */
export type PathValueSource = 'example' | 'examples' | 'schema.example' | 'schema.examples' | 'schema.default' | 'schema.enum' | 'placeholder';

/** The value put in place of one `{name}` of a path template. */
export interface PathValue {
  name: string;
  value: string;
  from: PathValueSource;
}

/** A target read from an OpenAPI operation, with the values its path template was filled with. */
export interface OpenApiTarget extends ScanTarget {
  source: Extract<TargetSource, { kind: 'openapi' }>;
  /** One per `{name}` of the path template, in order; `placeholder` (value `1`) when the document gives no example. */
  pathValues: PathValue[];
}

/** What an OpenAPI document yields. */
export interface OpenApiReading {
  targets: OpenApiTarget[];
  problems: TargetProblem[];
}

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A JSON pointer's reference token (RFC 6901). */
const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** What reading one document needs: the parsed values, the YAML nodes (for lines), the problems so far. */
class OpenApiDoc {
  readonly problems: TargetProblem[] = [];
  private readonly seen = new Set<string>();
  constructor(
    readonly file: string,
    readonly root: Json,
    readonly base: string | null,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The line of the node at `path`: the line of its key, or of the nearest ancestor that exists. */
  lineOf(path: readonly string[]): number {
    let node: unknown = this.doc.contents;
    let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
        if (pair === undefined) break;
        offset = (pair.key as YamlNode | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(key)] as YamlNode | undefined;
        if (item === undefined) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return this.lines.linePos(offset).line;
  }

  /** Record a problem once (the same server is met by every operation under it). */
  problem(path: readonly string[], message: string): void {
    const pointer = path.length === 0 ? '' : `/${path.map(escapePointer).join('/')}`;
    const key = `${pointer} ${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.problems.push({ file: this.file, line: this.lineOf(path), message, pointer });
  }

  /** Follow local `$ref`s (`#/components/...`); `undefined` (and a problem) for one that leads nowhere. */
  deref(value: unknown, path: readonly string[]): unknown {
    for (let hops = 0; isObject(value) && typeof value.$ref === 'string'; hops++) {
      const ref = value.$ref;
      if (hops > 20) return this.problem(path, `$ref '${ref}': a cycle of references`);
      if (!ref.startsWith('#')) return this.problem(path, `$ref '${ref}' points into another file, which corsproof does not follow: bundle the document first (e.g. npx @redocly/cli bundle)`);
      let target: unknown = this.root;
      for (const token of ref.slice(1).split('/').slice(1)) {
        const key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
        target = isObject(target) || Array.isArray(target) ? (target as Json)[key] : undefined;
      }
      if (target === undefined) return this.problem(path, `$ref '${ref}' points to nothing in this document`);
      value = target;
    }
    return value;
  }
}

/**
 * Read an OpenAPI 3.0 or 3.1 document (YAML or JSON) into targets: every
 * server × path × operation, as {@link parseOpenApi} says.
 *
 * @throws TargetError when the file cannot be read or is not OpenAPI 3.
 */
export async function readOpenApi(file: string, options: OpenApiOptions = {}): Promise<OpenApiReading> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw fileError(error, file);
  }
  return parseOpenApi(text, file, options);
}

/**
 * An OpenAPI 3.0 or 3.1 document's targets: for each operation (get, put,
 * post, delete, options, head, patch) under `paths`, one target per server
 * (the operation's `servers`, else its path's, else the document's; server
 * variables take their `default`; relative server URLs are resolved against
 * `options.base`). Path templates are filled from each parameter's example
 * (or its schema's example, default or first enum value), else `1`. The
 * headers are what the route's pages set from script: `Content-Type` of the
 * request body (its first non-CORS-safelisted media type, else its first),
 * `in: header` parameters (their example, else `x`), and the header the
 * first security requirement sends (an apiKey in a header; Authorization
 * for http bearer, oauth2 and openIdConnect), with placeholder values.
 * TRACE operations are skipped: pages cannot send them. Identical targets
 * (method, URL and header names) are kept once.
 *
 * @throws TargetError when the text is not YAML/JSON, or not OpenAPI 3 (Swagger 2.0, no `openapi` field).
 */
export function parseOpenApi(text: string, file: string, options: OpenApiOptions = {}): OpenApiReading {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax !== undefined) throw new TargetError(`not YAML or JSON: ${syntax.message.split('\n')[0] ?? syntax.message}`, { file, line: lines.linePos(syntax.pos[0]).line });
  let base: string | null = null;
  if (options.base !== undefined) {
    const checked = checkHttpUrl(options.base);
    if ('error' in checked) throw new TargetError(checked.error, { field: 'base' });
    base = checked.href;
  }
  const root: unknown = doc.toJS({ maxAliasCount: -1 });
  if (!isObject(root)) throw new TargetError('not an OpenAPI document: expected a mapping with openapi:, info: and paths:', { file, line: 1 });
  const api = new OpenApiDoc(file, root, base, doc, lines);
  if (root.swagger !== undefined) {
    throw new TargetError(`this is Swagger ${String(root.swagger)}; corsproof reads OpenAPI 3.0 and 3.1: convert it first (e.g. npx swagger2openapi ${file} -o openapi.yaml)`, { file, line: api.lineOf(['swagger']) });
  }
  if (root.openapi === undefined) throw new TargetError('not an OpenAPI document: no openapi: field (OpenAPI 3.0 or 3.1 starts with e.g. openapi: 3.1.0)', { file, line: 1 });
  if (!String(root.openapi).startsWith('3')) throw new TargetError(`openapi: ${String(root.openapi)}: corsproof reads OpenAPI 3.0 and 3.1`, { file, line: api.lineOf(['openapi']) });
  const targets = readPaths(api);
  return { targets: dedupeTargets(targets), problems: api.problems.sort((a, b) => a.line - b.line) };
}

/** Every operation of every path item. */
function readPaths(api: OpenApiDoc): OpenApiTarget[] {
  const paths = api.root.paths;
  if (paths === undefined) {
    api.problem([], 'no paths: the document describes no route to scan');
    return [];
  }
  if (!isObject(paths)) {
    api.problem(['paths'], 'paths: is not a mapping of paths to path items');
    return [];
  }
  const rootServers = serverUrls(api, api.root.servers, ['servers']);
  const out: OpenApiTarget[] = [];
  for (const [path, rawItem] of Object.entries(paths)) {
    if (path.startsWith('x-')) continue;
    const itemPath = ['paths', path];
    const item = api.deref(rawItem, itemPath);
    if (!isObject(item)) continue;
    const itemServers = item.servers === undefined ? rootServers : serverUrls(api, item.servers, [...itemPath, 'servers']);
    for (const method of OPERATION_METHODS) {
      const op = api.deref(item[method], [...itemPath, method]);
      if (!isObject(op)) continue;
      const opPath = [...itemPath, method];
      if (method === 'trace') {
        api.problem(opPath, 'TRACE is not scanned: pages cannot send it (fetch() refuses it), so CORS does not apply');
        continue;
      }
      const servers = op.servers === undefined ? itemServers : serverUrls(api, op.servers, [...opPath, 'servers']);
      out.push(...operationTargets(api, { path, item, op, opPath, method, servers }));
    }
  }
  return out;
}

/** The absolute URLs of a `servers` list (no trailing slash), each problem recorded once. */
function serverUrls(api: OpenApiDoc, servers: unknown, path: readonly string[]): string[] {
  const list = Array.isArray(servers) && servers.length > 0 ? servers : [{ url: '/' }];
  const out: string[] = [];
  list.forEach((server: unknown, i) => {
    const at = Array.isArray(servers) && servers.length > 0 ? [...path, String(i)] : path;
    if (!isObject(server) || typeof server.url !== 'string') return api.problem(at, 'a server needs a url');
    const url = fillServerVariables(api, server, at);
    if (url === null) return;
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url);
    if (!absolute && api.base === null) {
      const which = Array.isArray(servers) && servers.length > 0 ? `the server URL '${url}' is relative` : 'no servers are given (so the server is /)';
      return api.problem(at, `${which}: give the base URL it is relative to (corsproof scan --base https://api.example.com)`);
    }
    let resolved: URL;
    try {
      resolved = absolute ? new URL(url) : new URL(url, api.base as string);
    } catch {
      return api.problem(at, `the server URL '${url}' is not a URL`);
    }
    if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') return api.problem(at, `the server URL '${url}' is not http(s): not scanned`);
    resolved.search = '';
    resolved.hash = '';
    const href = resolved.href.replace(/\/+$/, '');
    if (!out.includes(href)) out.push(href);
  });
  return out;
}

/** A server URL with each `{variable}` replaced by its default (or first enum value); `null` (and a problem) when one has neither. */
function fillServerVariables(api: OpenApiDoc, server: Json, at: readonly string[]): string | null {
  const variables = isObject(server.variables) ? server.variables : {};
  let missing: string | null = null;
  const url = (server.url as string).replace(/\{([^}]*)\}/g, (_, name: string) => {
    const v = variables[name];
    const value = isObject(v) ? (v.default ?? (Array.isArray(v.enum) ? v.enum[0] : undefined)) : undefined;
    if (value === undefined || value === null) {
      missing ??= name;
      return '';
    }
    return String(value);
  });
  if (missing !== null) {
    api.problem([...at, 'url'], `the server variable {${missing}} has no default: add variables: { ${missing}: { default: ... } } to the server`);
    return null;
  }
  return url;
}

/** What one operation needs to become targets. */
interface Operation {
  path: string;
  item: Json;
  op: Json;
  opPath: string[];
  method: string;
  servers: string[];
}

/** An operation's targets: one per server. */
function operationTargets(api: OpenApiDoc, o: Operation): OpenApiTarget[] {
  const parameters = mergedParameters(api, o);
  const pathValues: PathValue[] = [];
  const filled = o.path.replace(/\{([^}]*)\}/g, (_, name: string) => {
    const value = pathValue(api, parameters.get(`path:${name}`), o.opPath);
    pathValues.push({ name, ...value });
    return encodeURIComponent(value.value);
  });
  const headers = operationHeaders(api, o, parameters);
  const pointer = `/${o.opPath.map(escapePointer).join('/')}`;
  const line = api.lineOf(o.opPath);
  const out: OpenApiTarget[] = [];
  for (const server of o.servers) {
    const checked = checkHttpUrl(server + (filled.startsWith('/') ? filled : `/${filled}`));
    if ('error' in checked) {
      api.problem(o.opPath, `the URL of this operation on ${server}: ${checked.error}`);
      continue;
    }
    out.push({ url: checked.href, method: o.method.toUpperCase(), headers, origins: [], source: { kind: 'openapi', file: api.file, line, pointer }, pathValues });
  }
  return out;
}

/** The path item's parameters, overridden by the operation's (same name and location), `$ref`s followed; keyed `in:name` (path names as written, header names lowercase). */
function mergedParameters(api: OpenApiDoc, o: Operation): Map<string, Json> {
  const out = new Map<string, Json>();
  const add = (list: unknown, path: readonly string[]): void => {
    if (!Array.isArray(list)) return;
    list.forEach((raw: unknown, i) => {
      const p = api.deref(raw, [...path, String(i)]);
      if (!isObject(p) || typeof p.name !== 'string' || typeof p.in !== 'string') return;
      out.set(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, p);
    });
  };
  add(o.item.parameters, ['paths', o.path, 'parameters']);
  add(o.op.parameters, [...o.opPath, 'parameters']);
  return out;
}

/** A parameter's example value and where it came from. */
function exampleOf(api: OpenApiDoc, p: Json | undefined, at: readonly string[]): { value: unknown; from: Exclude<PathValueSource, 'placeholder'> } | null {
  if (p === undefined) return null;
  if (p.example !== undefined) return { value: p.example, from: 'example' };
  if (isObject(p.examples)) {
    for (const e of Object.values(p.examples)) {
      const example = api.deref(e, at);
      if (isObject(example) && example.value !== undefined) return { value: example.value, from: 'examples' };
    }
  }
  const schema = api.deref(p.schema, at);
  if (!isObject(schema)) return null;
  if (schema.example !== undefined) return { value: schema.example, from: 'schema.example' };
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return { value: schema.examples[0], from: 'schema.examples' };
  if (schema.default !== undefined) return { value: schema.default, from: 'schema.default' };
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return { value: schema.enum[0], from: 'schema.enum' };
  return null;
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));

/** The value of a path parameter: its example, else the placeholder `1`. */
function pathValue(api: OpenApiDoc, p: Json | undefined, at: readonly string[]): { value: string; from: PathValueSource } {
  const example = exampleOf(api, p, at);
  if (example === null || example.value === null || asText(example.value) === '') return { value: '1', from: 'placeholder' };
  return { value: asText(example.value), from: example.from };
}

/** The media types of a request body that say nothing (`*\/*`, `application/*`) are skipped. */
const isConcreteMediaType = (type: string): boolean => /^[^/*\s]+\/[^/*\s]+/.test(type);

/** Headers the operation's pages set from script: Content-Type, header parameters, the security scheme's header. */
function operationHeaders(api: OpenApiDoc, o: Operation, parameters: ReadonlyMap<string, Json>): HeaderList {
  const headers: Array<[string, string]> = [];
  const add = (name: string, value: string): void => {
    if (isForbiddenRequestHeader(name, value) || headers.some(([n]) => n.toLowerCase() === name.toLowerCase())) return;
    headers.push([name, isHeaderValue(value) ? value : 'x']);
  };
  const body = api.deref(o.op.requestBody, [...o.opPath, 'requestBody']);
  if (isObject(body) && isObject(body.content)) {
    const types = Object.keys(body.content).filter(isConcreteMediaType);
    const chosen = types.find((t) => !isCorsSafelistedRequestHeader('content-type', t)) ?? types[0];
    if (chosen !== undefined) add('Content-Type', chosen);
  }
  for (const p of parameters.values()) {
    // OpenAPI: header parameters named Accept, Content-Type or Authorization are ignored.
    if (p.in !== 'header' || /^(accept|content-type|authorization)$/i.test(p.name as string)) continue;
    const example = exampleOf(api, p, o.opPath);
    add(p.name as string, example === null || example.value === null ? 'x' : asText(example.value));
  }
  for (const [name, value] of securityHeaders(api, o)) add(name, value);
  return headers;
}

/** The headers the first security requirement makes the page send (placeholder values: credentials come from the command line). */
function securityHeaders(api: OpenApiDoc, o: Operation): HeaderList {
  const security = o.op.security !== undefined ? o.op.security : api.root.security;
  if (!Array.isArray(security) || !isObject(security[0])) return [];
  const components = isObject(api.root.components) ? api.root.components : {};
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  const out: Array<[string, string]> = [];
  for (const name of Object.keys(security[0])) {
    const scheme = api.deref(schemes[name], ['components', 'securitySchemes', name]);
    if (!isObject(scheme)) {
      api.problem(o.opPath, `the security scheme '${name}' is not in components.securitySchemes: its header is left out`);
      continue;
    }
    const type = String(scheme.type ?? '').toLowerCase();
    if (type === 'apikey' && scheme.in === 'header' && typeof scheme.name === 'string') out.push([scheme.name, 'x']);
    else if ((type === 'http' && String(scheme.scheme ?? '').toLowerCase() === 'bearer') || type === 'oauth2' || type === 'openidconnect') out.push(['Authorization', 'Bearer x']);
  }
  return out;
}

// ---------------------------------------------------------------------------
// HAR

/** Header names whose values are credentials: their values are replaced (credentials come from the command line). */
const CREDENTIAL_NAME = /(^|[-_])(authorization|api-?key|token|auth|secret|session|csrf|xsrf|password)([-_]|$)/i;

/** A recorded header value with any credential in it replaced by `x` (Authorization keeps its scheme). */
function withoutCredential(name: string, value: string): string {
  if (!CREDENTIAL_NAME.test(name)) return value;
  const scheme = /^authorization$/i.test(name) ? /^(\S+)\s/.exec(value)?.[1] : undefined;
  return scheme !== undefined ? `${scheme} x` : 'x';
}

/**
 * Read a HAR export (as Chromium and Firefox DevTools save it) into targets,
 * as {@link targetsFromHar} says.
 *
 * @throws TargetError when the file cannot be read or is not a HAR.
 */
export async function readHar(file: string): Promise<ScanTarget[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw fileError(error, file);
  }
  let har: unknown;
  try {
    har = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new TargetError(`not a HAR file (${(error as Error).message}): save one from DevTools > Network > Export HAR`, { file });
  }
  return targetsFromHar(har, file);
}

/**
 * A parsed HAR's targets: every cross-origin request the page made (its
 * Origin differs from the URL's), read by the doctor's HAR reader, so a
 * preflight and its request are one target (a preflight alone stands for the
 * method and header names it announces) and a redirect chain is its first
 * URL. Headers are the ones script set (the browser's own and the forbidden
 * request-headers dropped), credential values replaced by `x`; the page's
 * Origin goes to `origins`. Targets with the same method, URL and header
 * names are kept once, with their origins merged. The source entry is the
 * request's index in `log.entries` (the preflight's when it is alone).
 * Requests from an opaque origin (`Origin: null`) are left out.
 *
 * @throws TargetError when `har` is not a HAR.
 */
export function targetsFromHar(har: unknown, file: string): ScanTarget[] {
  let diagnoses;
  try {
    diagnoses = diagnoseHar(har);
  } catch (error) {
    if (error instanceof HarError) throw new TargetError(`${error.message}: save the HAR again from DevTools > Network > Export HAR`, { file });
    throw error;
  }
  const targets: ScanTarget[] = [];
  for (const d of diagnoses) {
    const r = d.scenario.request;
    const url = checkHttpUrl(r.url);
    if ('error' in url) continue;
    const headers = r.headers.map(([n, v]) => [n, withoutCredential(n, v)] as [string, string]);
    targets.push({ url: url.href, method: r.method, headers, origins: [r.origin], source: { kind: 'har', file, entry: d.entry } });
  }
  return dedupeTargets(targets);
}

// ---------------------------------------------------------------------------

/** The identity of a target: its method, URL and header names (lowercase, sorted). */
export function targetKey(target: Pick<ScanTarget, 'method' | 'url' | 'headers'>): string {
  const names = [...new Set(target.headers.map(([n]) => n.toLowerCase()))].sort();
  return `${target.method} ${target.url} ${names.join(',')}`;
}

/**
 * Targets with the same {@link targetKey} kept once: the first, with the
 * origins of all merged in (in order, without repeats). Holds every key, so
 * for bounded lists (not a streamed URL list).
 */
export function dedupeTargets<T extends ScanTarget>(targets: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const t of targets) {
    const key = targetKey(t);
    const first = byKey.get(key);
    if (first === undefined) byKey.set(key, { ...t, origins: [...new Set(t.origins)] });
    else for (const o of t.origins) if (!first.origins.includes(o)) first.origins.push(o);
  }
  return [...byKey.values()];
}
