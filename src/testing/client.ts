/**
 * The page's side: what script passes to `fetch()`, `XMLHttpRequest` or
 * `EventSource`, read into the request the engine judges (method, headers
 * in order, credentials mode, initiator) and the body sent with it. The
 * Content-Type a body implies when script sets none is the one the Fetch
 * Standard's "extract a body" gives (a string is `text/plain;charset=UTF-8`,
 * URLSearchParams `application/x-www-form-urlencoded;charset=UTF-8`, ...),
 * taken from the runtime's own `Request`, which implements it.
 */
import type { CredentialsMode, HeaderList, Initiator, ScenarioRequest } from '../engine/types.js';

/** A request body as `fetch()` takes it (streams are not modelled). */
export type Body = string | URLSearchParams | FormData | Blob | ArrayBuffer | ArrayBufferView;

/** Request headers as `fetch()` takes them: a Headers object, `[name, value]` pairs, or a record. */
export type HeadersInit = Headers | ReadonlyArray<readonly [string, string]> | Record<string, string>;

/** The `fetch()` options corsproof models. */
export interface FetchInit {
  method?: string;
  headers?: HeadersInit;
  body?: Body | null;
  credentials?: CredentialsMode;
  /** Only `'cors'` (the default for a cross-origin `fetch()`) is a CORS request. */
  mode?: 'cors';
}

/** An `XMLHttpRequest`: `open(method, url)`, `setRequestHeader` for each header, `withCredentials`, `send(body)`. */
export interface XhrInit {
  method?: string;
  headers?: HeadersInit;
  body?: Body | null;
  withCredentials?: boolean;
}

/** An `EventSource`: `new EventSource(url, { withCredentials })`. */
export interface EventSourceInit {
  withCredentials?: boolean;
}

/** The request the page makes, and the bytes of its body. */
export interface PageRequest {
  request: ScenarioRequest;
  body: Uint8Array | undefined;
}

/** Header pairs in the order script gave them. */
function headerPairs(init: HeadersInit | undefined): HeaderList {
  if (init === undefined) return [];
  if (init instanceof Headers) {
    const pairs: HeaderList = [];
    init.forEach((value, name) => pairs.push([name, value]));
    return pairs;
  }
  if (Array.isArray(init)) return init.map((pair: readonly [string, string]) => [String(pair[0]), String(pair[1])]);
  return Object.entries(init as Record<string, string>).map(([n, v]) => [n, String(v)]);
}

/**
 * The body's bytes, and the Content-Type it implies when script set none,
 * as the runtime's `Request` extracts them.
 */
async function extractBody(method: string, body: Body | null | undefined): Promise<{ bytes: Uint8Array | undefined; type: string | null }> {
  if (body === undefined || body === null) return { bytes: undefined, type: null };
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD') throw new TypeError(`A ${upper} request cannot have a body (fetch() throws a TypeError before sending anything).`);
  if (typeof ReadableStream !== 'undefined' && (body as unknown) instanceof ReadableStream) {
    throw new TypeError('A ReadableStream body is not modelled: pass the body as a string, Blob, FormData, URLSearchParams or bytes.');
  }
  const extracted = new Request('http://body.invalid/', { method: 'POST', body: body as BodyInit });
  return { bytes: new Uint8Array(await extracted.arrayBuffer()), type: extracted.headers.get('content-type') };
}

/** The request with the Content-Type the body implies, unless script set one. */
function withBodyType(headers: HeaderList, type: string | null): HeaderList {
  if (type === null || headers.some(([n]) => n.toLowerCase() === 'content-type')) return headers;
  return [...headers, ['Content-Type', type]];
}

/** What `fetch(url, init)` from `origin` sends. */
export async function fetchRequest(url: string, origin: string, init: FetchInit = {}): Promise<PageRequest> {
  if (init.mode !== undefined && init.mode !== 'cors') {
    throw new TypeError(`mode: '${String(init.mode)}' is not a CORS request: no-cors responses are opaque and same-origin requests are refused; corsproof judges mode 'cors'.`);
  }
  const method = init.method ?? 'GET';
  const { bytes, type } = await extractBody(method, init.body);
  return { request: page(url, origin, method, withBodyType(headerPairs(init.headers), type), init.credentials ?? 'same-origin', 'fetch'), body: bytes };
}

/** What an `XMLHttpRequest` from `origin` sends. */
export async function xhrRequest(url: string, origin: string, init: XhrInit = {}): Promise<PageRequest> {
  const method = init.method ?? 'GET';
  // send(body) ignores the body for GET and HEAD.
  const upper = method.toUpperCase();
  const { bytes, type } = await extractBody(method, upper === 'GET' || upper === 'HEAD' ? undefined : init.body);
  const credentials: CredentialsMode = init.withCredentials === true ? 'include' : 'same-origin';
  return { request: page(url, origin, method, withBodyType(headerPairs(init.headers), type), credentials, 'xhr'), body: bytes };
}

/** What an `EventSource` from `origin` sends. */
export function eventSourceRequest(url: string, origin: string, init: EventSourceInit = {}): PageRequest {
  const credentials: CredentialsMode = init.withCredentials === true ? 'include' : 'same-origin';
  return { request: page(url, origin, 'GET', [], credentials, 'eventsource'), body: undefined };
}

function page(url: string, origin: string, method: string, headers: HeaderList, credentials: CredentialsMode, initiator: Initiator): ScenarioRequest {
  return { url, origin, method, headers, credentials, initiator };
}
