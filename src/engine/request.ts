/**
 * The request as the browser builds it from what script passed: method
 * normalization, the header list after the `Headers` object (or
 * `setRequestHeader`) has dropped forbidden headers, and the credentials mode.
 *
 * Cache: what a request-header line is (its name valid, the name in
 * lowercase, the value normalized and valid, forbidden, CORS-safelisted for
 * Chromium and for Firefox) is
 * judged once per distinct (name, value) pair and kept in a bounded map,
 * keyed only by the two strings as script wrote them: callers evaluate many
 * scenarios carrying the same few headers, and the judgement is a pure
 * function of the pair (the Content-Type MIME parse being the costly part).
 * Bounds: at most {@link NAMES_MAX} names (the map is cleared when full,
 * before the next insertion), each with its last {@link VALUES_MAX} values
 * (the oldest replaced), and only names and values of up to
 * {@link KEY_MAX} characters are kept; anything else is judged anew each time.
 */
import { requestHeaderJudgement } from './browsers.js';
import { isHeaderName, isHeaderValue, isToken, lowercaseName, normalizeHeaderValue } from './headers.js';
import { isCorsSafelistedMethod, isForbiddenLowercaseRequestHeader, isForbiddenMethod, isNoCorsSafelistedRequestHeader, normalizeMethod } from './safelist.js';
import type { CredentialsMode, HeaderList, Initiator, RequestMode, ScenarioRequest } from './types.js';
import type { ParsedUrl } from './url.js';
import { parseUrl } from './url.js';

/** The request after the browser's own preparation. */
export interface BrowserRequest {
  url: ParsedUrl;
  /** The page's origin, serialized. */
  origin: string;
  method: string;
  headers: HeaderList;
  /** The headers' names in lowercase, one per line of `headers` (computed once, kept in step by redirects). */
  headerNames: string[];
  /**
   * What each browser makes of each line of `headers`, judged on its own,
   * once for both browsers: {@link requestHeaderJudgement}'s bits.
   */
  safelisted: number[];
  /** Whether two lines of `headers` may have the same name (`Headers#append` keeps both; Chromium combines them). */
  repeatedNames: boolean;
  credentials: CredentialsMode;
  initiator: Initiator;
  /** fetch()'s mode; with `no-cors`, `headers` holds only the no-CORS-safelisted lines. */
  mode: RequestMode;
}

/** What one header line of script's request is, judged on its own (see the cache above). */
interface HeaderLine {
  /** The name in lowercase. */
  lower: string;
  /** The value, normalized. */
  value: string;
  /** Whether the normalized value is a valid header value. */
  valid: boolean;
  /** A forbidden request-header: the `Headers` object drops the line. */
  forbidden: boolean;
  /** What each browser makes of it: {@link requestHeaderJudgement}'s bits. */
  safelisted: number;
}

const NAMES_MAX = 256;
const VALUES_MAX = 8;
const KEY_MAX = 256;

/** The lines judged for one name: values as written, each with its judgement at the same index. */
interface JudgedValues {
  values: string[];
  lines: HeaderLine[];
  /** Where the next value goes once `VALUES_MAX` are kept. */
  next: number;
}

/** Judged lines, by name as written (valid names only). */
const lineCache = new Map<string, JudgedValues>();

/** The judgement of line `i` of script's headers; throws on an invalid name or value. */
function headerLine(name: string, rawValue: string, i: number): HeaderLine {
  let judged = lineCache.get(name);
  if (judged === undefined) {
    if (!isHeaderName(name)) throw new ScenarioError(`request.headers[${i}][0]`, `'${name}' is not a valid header name`);
    if (name.length <= KEY_MAX) {
      if (lineCache.size >= NAMES_MAX) lineCache.clear();
      lineCache.set(name, (judged = { values: [], lines: [], next: 0 }));
    }
  }
  let line: HeaderLine | undefined;
  if (judged !== undefined) {
    const { values } = judged;
    for (let k = 0; k < values.length; k++) {
      if (values[k] === rawValue) {
        line = judged.lines[k] as HeaderLine;
        break;
      }
    }
  }
  if (line === undefined) {
    line = judgeLine(name, rawValue);
    if (judged !== undefined && rawValue.length <= KEY_MAX) remember(judged, rawValue, line);
  }
  if (!line.valid) {
    throw new ScenarioError(`request.headers[${i}][1]`, 'a header value may not contain CR, LF or NUL (or characters above U+00FF)');
  }
  return line;
}

/** Keep a value's judgement for its name, in place of the oldest once `VALUES_MAX` are kept. */
function remember(judged: JudgedValues, value: string, line: HeaderLine): void {
  if (judged.values.length < VALUES_MAX) {
    judged.values.push(value);
    judged.lines.push(line);
  } else {
    judged.values[judged.next] = value;
    judged.lines[judged.next] = line;
    judged.next = (judged.next + 1) % VALUES_MAX;
  }
}

function judgeLine(name: string, rawValue: string): HeaderLine {
  const lower = lowercaseName(name);
  const value = normalizeHeaderValue(rawValue);
  const valid = isHeaderValue(value);
  return {
    lower,
    value,
    valid,
    forbidden: valid && isForbiddenLowercaseRequestHeader(lower, value),
    safelisted: valid ? requestHeaderJudgement(lower, value) : 0,
  };
}

/** Thrown for a scenario that no real page could produce (the API itself would throw). */
export class ScenarioError extends Error {
  /** The JSON path of the offending field, e.g. `request.headers[2][1]`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ScenarioError';
    this.field = field;
  }
}

/** Parse an absolute http(s) URL, or throw a {@link ScenarioError} naming the field. */
export function parseHttpUrl(value: string, field: string): ParsedUrl {
  const url = parseUrl(value);
  if (url === null) throw new ScenarioError(field, `'${value}' is not an absolute URL`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ScenarioError(field, `'${value}' is not an http or https URL`);
  }
  return url;
}

/**
 * Parse a page's origin: a serialized origin (`scheme://host[:port]`, as the
 * `Origin` header carries it), or `'null'`, an opaque origin (a sandboxed
 * iframe, a `data:` page), which is same-origin with nothing. Throws
 * otherwise. Returns the origin serialized again, which must be the same
 * string.
 */
export function parseOrigin(value: string, field: string): string {
  if (value === 'null') return value;
  const url = parseUrl(value);
  if (url === null) throw new ScenarioError(field, `'${value}' is not an origin (expected scheme://host[:port])`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ScenarioError(field, `'${value}' is not an http or https origin`);
  }
  if (url.origin !== value) {
    throw new ScenarioError(
      field,
      `'${value}' is not a serialized origin; did you mean '${url.origin}'? (no path, no trailing slash, lowercase host, no default port)`,
    );
  }
  return url.origin;
}

/**
 * Build the browser's request from the scenario's request: what `fetch()`,
 * `XMLHttpRequest` or `EventSource` would put on the wire.
 */
export function prepareRequest(req: ScenarioRequest): BrowserRequest {
  const initiator = req.initiator ?? 'fetch';
  const url = parseHttpUrl(req.url, 'request.url');
  const origin = parseOrigin(req.origin, 'request.origin');
  if (initiator !== 'fetch' && req.credentials === 'omit') {
    throw new ScenarioError(
      'request.credentials',
      `'omit' cannot be expressed with ${initiator === 'xhr' ? 'XMLHttpRequest' : 'EventSource'}: use 'same-origin' (withCredentials false) or 'include' (withCredentials true)`,
    );
  }
  const mode = req.mode ?? 'cors';
  if (mode === 'no-cors' && initiator !== 'fetch') {
    throw new ScenarioError(
      'request.mode',
      `${initiator === 'xhr' ? 'XMLHttpRequest' : 'EventSource'} has no mode: it always makes a CORS request ('no-cors' is a fetch() option)`,
    );
  }
  if (initiator === 'eventsource') {
    if (req.method.toUpperCase() !== 'GET') throw new ScenarioError('request.method', 'EventSource always uses GET');
    if (req.headers.length > 0) throw new ScenarioError('request.headers', 'EventSource cannot set request headers');
    return browserRequest(url, origin, 'GET', [['Accept', 'text/event-stream']], req.credentials, initiator, 'cors');
  }
  const method = requestMethod(req.method);
  if (mode === 'no-cors' && !isCorsSafelistedMethod(method)) throw new ScenarioError('request.method', noCorsMethodMessage(method));
  return browserRequest(url, origin, method, req.headers, req.credentials, initiator, mode);
}

/**
 * Why a method is refused in mode `no-cors`, with the TypeError each browser
 * rejects `fetch()` with (seen in Chromium, Firefox and WebKit; the method
 * named normalized).
 */
export function noCorsMethodMessage(method: string): string {
  return (
    `${method} cannot be sent with mode 'no-cors' (only GET, HEAD and POST): fetch() rejects with a TypeError and sends nothing ` +
    `(Chromium: "Failed to execute 'fetch' on 'Window': '${method}' is unsupported in no-cors mode."; ` +
    `Firefox: "Window.fetch: Invalid request method ${method}."; WebKit: "Method must be GET, POST or HEAD in no-cors mode.")`
  );
}

/** The method as `fetch()` sends it (normalized), or throw for an invalid or forbidden one. */
function requestMethod(method: string): string {
  // The usual methods, written as sent: valid, allowed, normalized already.
  if (method === 'GET' || method === 'POST' || method === 'PUT' || method === 'DELETE' || method === 'PATCH' || method === 'HEAD') return method;
  if (!isToken(method)) throw new ScenarioError('request.method', `'${method}' is not a valid method token`);
  if (isForbiddenMethod(method)) {
    throw new ScenarioError('request.method', `${method.toUpperCase()} is a forbidden method: browsers refuse to send it`);
  }
  return normalizeMethod(method);
}

/**
 * The request, with its header list as the `Headers` object (or
 * `setRequestHeader`) leaves `list`: values normalized, forbidden
 * request-headers dropped, and a repeated name combined (XMLHttpRequest) or
 * spelled as its first entry (fetch); with the lowercase names and the
 * judgement of each line beside it.
 */
function browserRequest(url: ParsedUrl, origin: string, method: string, list: HeaderList, credentials: CredentialsMode, initiator: Initiator, mode: RequestMode): BrowserRequest {
  const n = list.length;
  // Allocated at the list's size, and shortened in the rare case of lines dropped or combined.
  const headers: HeaderList = new Array<[string, string]>(n);
  const headerNames = new Array<string>(n);
  const safelisted = new Array<number>(n);
  let repeatedNames = false;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const entry = list[i] as [string, string];
    const line = headerLine(entry[0], entry[1], i);
    if (line.forbidden) continue; // the Headers object ignores it silently
    const { lower, value } = line;
    let first = -1;
    for (let j = 0; j < k && first === -1; j++) if (headerNames[j] === lower) first = j;
    // Guard "request-no-cors": a line is ignored silently unless the name's value with it is no-CORS-safelisted.
    if (mode === 'no-cors' && !isNoCorsSafelistedRequestHeader(lower, first === -1 ? value : `${combinedValue(headers, headerNames, k, lower)}, ${value}`)) continue;
    if (first === -1) {
      headers[k] = [entry[0], value];
    } else if (initiator === 'xhr') {
      // setRequestHeader combines a repeated name into the first line.
      const existing = headers[first] as [string, string];
      existing[1] = `${existing[1]}, ${value}`;
      safelisted[first] = requestHeaderJudgement(lower, existing[1]);
      continue;
    } else {
      // Headers#append keeps separate entries but reuses the first entry's spelling of the name.
      headers[k] = [(headers[first] as [string, string])[0], value];
      repeatedNames = true;
    }
    headerNames[k] = lower;
    safelisted[k++] = line.safelisted;
  }
  if (k < n) headers.length = headerNames.length = safelisted.length = k;
  return { url, origin, method, headers, headerNames, safelisted, repeatedNames, credentials, initiator, mode };
}

/** The values of the first `k` lines named `lower`, combined (Fetch "get"). */
function combinedValue(headers: HeaderList, names: string[], k: number, lower: string): string {
  const values: string[] = [];
  for (let j = 0; j < k; j++) if (names[j] === lower) values.push((headers[j] as [string, string])[1]);
  return values.join(', ');
}

/**
 * The names (as script wrote them) of the request's header lines that are
 * forbidden request-headers, in order: the lines `fetch()` drops silently and
 * `setRequestHeader` refuses (WebKit logs each refusal).
 */
export function forbiddenHeaderNames(req: ScenarioRequest): string[] {
  const names: string[] = [];
  req.headers.forEach(([name, value], i) => {
    if (headerLine(name, value, i).forbidden) names.push(name);
  });
  return names;
}
