/**
 * Read a "Copy as cURL" command (Chromium's and Firefox's DevTools) back into
 * the request script made: URL, method, the headers script set (not those
 * the browser adds itself), credentials, and the page's Origin.
 */
import { parse } from 'shell-quote';
import { isForbiddenRequestHeader } from '../engine/safelist.js';
import type { CredentialsMode, HeaderList } from '../engine/types.js';

/** What a cURL command says about the request. */
export interface CurlRequest {
  url: string;
  method: string;
  /** Headers script set. */
  headers: HeaderList;
  credentials: CredentialsMode;
  /** The Origin header, when the copied request had one. */
  origin: string | null;
  /** Whether the command accepts untrusted certificates (-k). */
  insecure: boolean;
  /** Headers left out because the browser adds them, not script. */
  browserHeaders: string[];
}

/** A cURL command corsproof cannot read. */
export class CurlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CurlError';
  }
}

/**
 * Headers the browser adds itself that script could also set (DevTools copies
 * them all); the forbidden request-headers come from the engine's list.
 */
const BROWSER_ADDED_SETTABLE = new Set(['accept-language', 'cache-control', 'pragma', 'priority', 'upgrade-insecure-requests', 'user-agent']);

/** Whether a request header is one the browser adds itself rather than script. */
export function isBrowserAddedHeader(name: string): boolean {
  return BROWSER_ADDED_SETTABLE.has(name.toLowerCase()) || isForbiddenRequestHeader(name, '');
}

const IGNORED_FLAGS = new Set(['--compressed', '-s', '--silent', '-L', '--location', '-i', '--include', '-v', '--verbose', '--http1.1', '--http2', '--http2-prior-knowledge', '--globoff', '-g']);
const IGNORED_WITH_VALUE = new Set(['-o', '--output', '-m', '--max-time', '--connect-timeout', '-w', '--write-out', '--cacert', '--resolve', '-x', '--proxy']);
const DATA_FLAGS = new Set(['-d', '--data', '--data-raw', '--data-binary', '--data-ascii', '--data-urlencode', '-F', '--form']);

/** Parse a cURL command line. */
export function parseCurl(command: string): CurlRequest {
  const tokens = parse(command.replace(/\\\r?\n/g, ' '));
  const words: string[] = [];
  for (const t of tokens) {
    if (typeof t !== 'string') throw new CurlError('the cURL command uses shell syntax (pipes, redirections, variables) corsproof does not run; paste the command as DevTools copies it');
    words.push(t);
  }
  if (words.length === 0 || !/^curl(\.exe)?$/.test(words[0] as string)) throw new CurlError("expected a command starting with 'curl'");
  let url: string | null = null;
  let method: string | null = null;
  let hasBody = false;
  let credentials: CredentialsMode = 'same-origin';
  let insecure = false;
  let origin: string | null = null;
  const headers: HeaderList = [];
  const browserHeaders: string[] = [];
  const value = (i: number, flag: string): string => {
    const v = words[i + 1];
    if (v === undefined) throw new CurlError(`${flag} needs a value`);
    return v;
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '-X' || w === '--request') {
      method = value(i, w);
      i++;
    } else if (w === '-H' || w === '--header') {
      const line = value(i, w);
      i++;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new CurlError(`-H '${line}': expected "Name: value"`);
      const name = line.slice(0, colon).trim();
      const v = line.slice(colon + 1).trim();
      const lower = name.toLowerCase();
      if (lower === 'origin') origin = v;
      if (lower === 'cookie') credentials = 'include';
      if (isBrowserAddedHeader(lower)) browserHeaders.push(lower);
      else headers.push([name, v]);
    } else if (DATA_FLAGS.has(w)) {
      value(i, w);
      i++;
      hasBody = true;
    } else if (w === '--json') {
      value(i, w);
      i++;
      hasBody = true;
      headers.push(['Content-Type', 'application/json'], ['Accept', 'application/json']);
    } else if (w === '-b' || w === '--cookie' || w === '-u' || w === '--user') {
      value(i, w);
      i++;
      credentials = 'include';
    } else if (w === '-k' || w === '--insecure') {
      insecure = true;
    } else if (w === '-I' || w === '--head') {
      method = 'HEAD';
    } else if (w === '--url') {
      url = value(i, w);
      i++;
    } else if (w === '-A' || w === '--user-agent' || w === '-e' || w === '--referer') {
      value(i, w);
      i++;
      browserHeaders.push(w === '-A' || w === '--user-agent' ? 'user-agent' : 'referer');
    } else if (IGNORED_WITH_VALUE.has(w)) {
      value(i, w);
      i++;
    } else if (IGNORED_FLAGS.has(w)) {
      // no effect on CORS
    } else if (w.startsWith('-')) {
      throw new CurlError(`the cURL option ${w} is not one corsproof reads; remove it`);
    } else if (url === null) {
      url = w;
    } else {
      throw new CurlError(`two URLs in the cURL command ('${url}' and '${w}'); keep one`);
    }
  }
  if (url === null) throw new CurlError('the cURL command has no URL');
  return { url, method: method ?? (hasBody ? 'POST' : 'GET'), headers, credentials, origin, insecure, browserHeaders };
}
