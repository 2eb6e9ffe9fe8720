/**
 * Read a "Copy as cURL" command (Chromium's and Firefox's DevTools) back into
 * the request script made: URL, method, the headers script set (not those
 * the browser adds itself), credentials, and the page's Origin.
 */
import { parse } from 'shell-quote';
import { isForbiddenRequestHeader } from '../engine/safelist.js';
import type { CredentialsMode, HeaderList } from '../engine/types.js';
import { completeFromPreflight, isPreflightRequest, preflightClaims } from './rebuild.js';

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
  /** How the request was read, in plain words, when the command did not say it directly (an Origin taken from Referer, a preflight turned into its request). */
  remarks: string[];
  /** What the browser itself adds to a credentialed request, as copied: the Cookie line (-H or -b), HTTP authentication (-u). */
  credentialHeaders: HeaderList;
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

/**
 * Whether a request header is one the browser adds itself rather than script.
 * With its value: `Accept: *\/*` is what fetch() and XMLHttpRequest send by
 * default (script setting the same value changes nothing).
 */
export function isBrowserAddedHeader(name: string, value?: string): boolean {
  const lower = name.toLowerCase();
  if (lower === 'accept' && value === '*/*') return true;
  return BROWSER_ADDED_SETTABLE.has(lower) || isForbiddenRequestHeader(name, '');
}

const IGNORED_FLAGS = new Set(['--compressed', '-s', '--silent', '-L', '--location', '-i', '--include', '-v', '--verbose', '--http1.1', '--http2', '--http2-prior-knowledge', '--globoff', '-g']);
const IGNORED_WITH_VALUE = new Set(['-o', '--output', '-m', '--max-time', '--connect-timeout', '-w', '--write-out', '--cacert', '--resolve', '-x', '--proxy']);
const DATA_FLAGS = new Set(['-d', '--data', '--data-raw', '--data-binary', '--data-ascii', '--data-urlencode', '-F', '--form']);

/**
 * The words of a Windows cmd.exe command line as the program receives them:
 * cmd's `^` escapes (and `^` line continuations) first, then the C runtime's
 * argument splitting (double quotes group, `\"` is a quote, backslashes are
 * literal unless they precede a quote). This is the form DevTools' "Copy as
 * cURL (cmd)" and Firefox's Windows "Copy as cURL" write.
 */
function windowsWords(command: string): string[] {
  // cmd expands %NAME% before the program sees it; DevTools escapes every % it copies (^%).
  const variables = [...new Set(command.match(/%[A-Za-z_][A-Za-z0-9_]*%/g) ?? [])];
  if (variables.length > 0) throw new CurlError(`the cURL command uses the cmd variable${variables.length > 1 ? 's' : ''} ${variables.join(', ')}, which corsproof does not expand: paste the command with the values, as DevTools copies it`);
  let line = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (c !== '^') {
      line += c;
      continue;
    }
    const next = command[i + 1];
    if (next === '\r' && command[i + 2] === '\n') i += 2;
    else if (next === '\n') i += 1;
    else if (next !== undefined) {
      line += next;
      i += 1;
    }
  }
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\') {
      let n = 0;
      while (line[i + n] === '\\') n++;
      if (line[i + n] === '"') {
        word += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) word += '"';
        else quoted = !quoted;
        i += n;
      } else {
        word += '\\'.repeat(n);
        i += n - 1;
      }
      inWord = true;
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quoted) throw new CurlError('the cURL command has an unterminated double quote');
  if (inWord) words.push(word);
  return words;
}

/** The end of a quoted span from `i` (the opening quote), `$'...'` (backslash escapes) when `ansi`. */
function quoteEnd(command: string, i: number, quote: string, ansi: boolean): number {
  for (let j = i + 1; j < command.length; j++) {
    if (command[j] === '\\' && (quote === '"' || ansi)) j++;
    else if (command[j] === quote) return j;
  }
  return command.length;
}

/** A `$` expansion at `i`: $NAME, ${...}, $(...) (nested once), $1, $?, ...; or null. */
const DOLLAR = /\$(?:\{[^}]*\}?|\((?:[^()]|\([^()]*\))*\)?|[A-Za-z_][A-Za-z0-9_]*|[0-9#?*@$!-])/y;

/**
 * What a POSIX shell would expand in a command line and corsproof cannot:
 * variables ($TOKEN, ${TOKEN}) and command substitutions ($(cat f), `cmd`),
 * outside single quotes and $'...' (which DevTools writes for its values).
 */
export function shellExpansions(command: string): { variables: string[]; commands: string[] } {
  const variables: string[] = [];
  const commands: string[] = [];
  let inDouble = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === '\\') i++;
    else if (c === '"') inDouble = !inDouble;
    else if (c === "'" && !inDouble) i = quoteEnd(command, i, "'", false);
    else if (c === '$' && command[i + 1] === "'" && !inDouble) i = quoteEnd(command, i + 1, "'", true);
    else if (c === '`') {
      const end = quoteEnd(command, i, '`', false);
      commands.push(command.slice(i, end + 1));
      i = end;
    } else if (c === '$') {
      DOLLAR.lastIndex = i;
      const m = DOLLAR.exec(command);
      if (m === null) continue;
      (m[0].startsWith('$(') ? commands : variables).push(m[0]);
      i += m[0].length - 1;
    }
  }
  return { variables: [...new Set(variables)], commands: [...new Set(commands)] };
}

/** The words of a POSIX shell command line (bash, zsh), refusing anything but plain words. */
function posixWords(command: string): string[] {
  const { variables: vars, commands } = shellExpansions(command);
  if (vars.length + commands.length > 0) {
    const parts = [
      ...(vars.length > 0 ? [`the shell variable${vars.length > 1 ? 's' : ''} ${vars.join(', ')}`] : []),
      ...(commands.length > 0 ? [`the command substitution${commands.length > 1 ? 's' : ''} ${commands.join(', ')}`] : []),
    ];
    throw new CurlError(`the cURL command uses ${parts.join(' and ')}, which corsproof does not expand (it runs no shell): paste the command with the values, as DevTools copies it`);
  }
  const words: string[] = [];
  const variables: string[] = [];
  const tokens = parse(command.replace(/\\\r?\n/g, ' '), (name: string) => {
    variables.push(name);
    return '';
  });
  if (variables.length > 0) {
    throw new CurlError(`the cURL command uses the shell variable${variables.length > 1 ? 's' : ''} ${variables.map((v) => `$${v}`).join(', ')}, which corsproof does not expand: paste the command with the values, as DevTools copies it`);
  }
  for (const t of tokens) {
    if (typeof t !== 'string') throw new CurlError('the cURL command uses shell syntax (pipes, redirections, variables) corsproof does not run; paste the command as DevTools copies it');
    words.push(t);
  }
  return words;
}

/** What the options of a cURL command say about the request, as they are read. */
interface CurlReading {
  url: string | null;
  method: string | null;
  hasBody: boolean;
  credentials: CredentialsMode;
  insecure: boolean;
  origin: string | null;
  referer: string | null;
  /** The headers script set (the browser's own left out). */
  headers: HeaderList;
  /** Every -H line, as copied. */
  rawHeaders: HeaderList;
  credentialHeaders: HeaderList;
  cookieFile: string | null;
  browserHeaders: string[];
}

type CurlOption = { value: boolean; apply: (r: CurlReading, value: string, flag: string) => void };

const noEffect: CurlOption = { value: false, apply: () => undefined };
const noEffectWithValue: CurlOption = { value: true, apply: () => undefined };
const body: CurlOption = { value: true, apply: (r) => void (r.hasBody = true) };

/** Each cURL option corsproof reads, and what it does to the request (options with no effect on CORS are read and ignored). */
const CURL_OPTIONS: ReadonlyMap<string, CurlOption> = new Map<string, CurlOption>([
  ...['-X', '--request'].map((f) => [f, { value: true, apply: (r: CurlReading, v: string) => void (r.method = v) }] as const),
  ...['-H', '--header'].map((f) => [f, { value: true, apply: addHeader }] as const),
  ...[...DATA_FLAGS].map((f) => [f, body] as const),
  ['--json', { value: true, apply: (r) => void ((r.hasBody = true), r.headers.push(['Content-Type', 'application/json'], ['Accept', 'application/json'])) }],
  ...['-b', '--cookie'].map(
    (f) =>
      [
        f,
        {
          value: true,
          apply: (r: CurlReading, v: string) => {
            r.credentials = 'include';
            if (v.includes('=')) r.credentialHeaders.push(['Cookie', v]);
            else r.cookieFile = v;
          },
        },
      ] as const,
  ),
  ...['-u', '--user'].map((f) => [f, { value: true, apply: basicAuth }] as const),
  ...['-k', '--insecure'].map((f) => [f, { value: false, apply: (r: CurlReading) => void (r.insecure = true) }] as const),
  ...['-I', '--head'].map((f) => [f, { value: false, apply: (r: CurlReading) => void (r.method = 'HEAD') }] as const),
  ['--url', { value: true, apply: (r, v) => void (r.url = v) }],
  ...['-A', '--user-agent'].map((f) => [f, { value: true, apply: (r: CurlReading) => void r.browserHeaders.push('user-agent') }] as const),
  ...['-e', '--referer'].map((f) => [f, { value: true, apply: (r: CurlReading) => void r.browserHeaders.push('referer') }] as const),
  ...[...IGNORED_WITH_VALUE].map((f) => [f, noEffectWithValue] as const),
  ...[...IGNORED_FLAGS].map((f) => [f, noEffect] as const),
]);

function addHeader(r: CurlReading, line: string): void {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new CurlError(`-H '${line}': expected "Name: value"`);
  const name = line.slice(0, colon).trim();
  const v = line.slice(colon + 1).trim();
  const lower = name.toLowerCase();
  r.rawHeaders.push([name, v]);
  if (lower === 'origin') r.origin = v;
  if (lower === 'referer') r.referer = v;
  if (lower === 'cookie') {
    r.credentials = 'include';
    r.credentialHeaders.push([name, v]);
  }
  if (isBrowserAddedHeader(lower, v)) r.browserHeaders.push(lower);
  else r.headers.push([name, v]);
}

function basicAuth(r: CurlReading, v: string): void {
  r.credentials = 'include';
  try {
    r.credentialHeaders.push(['Authorization', `Basic ${btoa(v)}`]);
  } catch {
    throw new CurlError(`-u: '${v}' has characters HTTP Basic authentication cannot carry; use -H 'Authorization: ...'`);
  }
}

/**
 * Parse a cURL command line: the POSIX shell form ("Copy as cURL (bash)",
 * Firefox's "Copy as cURL (POSIX)") or the Windows cmd form ("Copy as cURL
 * (cmd)", Firefox's "Copy as cURL (Windows)"), told apart by cmd's `^` escapes.
 */
export function parseCurl(command: string): CurlRequest {
  const first = /\^\r?\n|\^"/.test(command) ? windowsWords(command) : posixWords(command);
  if (first.length === 0 || !/^curl(\.exe)?$/.test(first[0] as string)) throw new CurlError("expected a command starting with 'curl'");
  // Short options with their value attached (-XPUT, -H'Accept: x'), long ones with '=' (--request=PUT): split them.
  const words = first.flatMap((w, k) => {
    if (k === 0) return [w];
    const short = /^(-[XHbudAeomwxF])(.+)$/.exec(w);
    if (short) return [short[1] as string, short[2] as string];
    const long = /^(--[a-z][a-z0-9-]*)=(.*)$/s.exec(w);
    if (long) return [long[1] as string, long[2] as string];
    return [w];
  });
  const r: CurlReading = {
    url: null,
    method: null,
    hasBody: false,
    credentials: 'same-origin',
    insecure: false,
    origin: null,
    referer: null,
    headers: [],
    rawHeaders: [],
    credentialHeaders: [],
    cookieFile: null,
    browserHeaders: [],
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    const option = CURL_OPTIONS.get(w);
    if (option !== undefined) {
      const v = option.value ? words[++i] : '';
      if (v === undefined) throw new CurlError(`${w} needs a value`);
      option.apply(r, v, w);
    } else if (w.startsWith('-')) {
      throw new CurlError(`the cURL option ${w} is not one corsproof reads; remove it`);
    } else if (r.url === null) {
      r.url = w;
    } else {
      throw new CurlError(`two URLs in the cURL command ('${r.url}' and '${w}'); keep one`);
    }
  }
  return requestOf(r);
}

/** The request a reading stands for: the method, a preflight row turned into its request, the origin from Referer when Origin is missing. */
function requestOf(r: CurlReading): CurlRequest {
  const { url, credentials, insecure, browserHeaders, credentialHeaders, cookieFile, rawHeaders, referer } = r;
  let { headers, origin } = r;
  if (url === null) throw new CurlError('the cURL command has no URL');
  const remarks: string[] = [];
  let finalMethod = r.method ?? (r.hasBody ? 'POST' : 'GET');
  // The preflight's row copied: the request it stands for is in its Access-Control-Request-* headers.
  if (isPreflightRequest(finalMethod, rawHeaders)) {
    const claims = preflightClaims(rawHeaders);
    finalMethod = claims.method;
    headers = completeFromPreflight([], claims).headers;
    remarks.push(
      `This is the preflight (OPTIONS) of a ${claims.method} request${claims.headerNames.length > 0 ? ` with ${claims.headerNames.join(', ')}` : ''}: corsproof checks that request (header values are placeholders; the preflight does not carry them).`,
    );
  }
  // Chromium copies only provisional headers for a request it never sent (its preflight failed): no Origin.
  if (origin === null && referer !== null) {
    try {
      const fromReferer = new URL(referer).origin;
      if (fromReferer !== 'null') {
        origin = fromReferer;
        remarks.push(
          `The command has no Origin header (DevTools copied the provisional headers of a request the browser never sent, usually because its preflight failed): the page origin ${fromReferer} is taken from Referer. Copy the preflight's row as cURL for the complete request.`,
        );
      }
    } catch {
      // not a URL: leave the origin to --origin
    }
  }
  if (cookieFile !== null) remarks.push(`-b ${cookieFile} names a cookie file, which corsproof does not read: the request is judged as credentialed, but sent without those cookies.`);
  return { url, method: finalMethod, headers, credentials, origin, insecure, browserHeaders, remarks, credentialHeaders };
}
