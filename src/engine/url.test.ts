/**
 * The URL fast path returns exactly what the WHATWG URL parser returns: for
 * URLs it takes (canonical http(s) URLs) and for those it hands over.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedUrl } from './url.js';
import { parseUrl, resolveUrl } from './url.js';

function whatwg(input: string, base?: string): ParsedUrl | null {
  try {
    const url = new URL(input, base);
    return { href: url.href, origin: url.origin, protocol: url.protocol, hasCredentials: url.username !== '' || url.password !== '' };
  } catch {
    return null;
  }
}

const scheme = fc.constantFrom('http', 'https', 'https', 'HTTP', 'Https', 'ftp', 'data', 'file');
const label = fc.oneof(
  fc.constantFrom('localhost', 'example', 'com', 'api', 'a', 'xn--nxasmq6b', 'xn--a', 'a-b', '-a', 'a-', 'a--b', '0x7f', '0', '1', '127', '255', '256', '08', '1e', 'EXAMPLE', 'ex%41', 'é', ''),
  fc.stringMatching(/^[a-z0-9-]{1,8}$/),
  fc.stringMatching(/^[0-9]{1,4}$/),
);
const host = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.'));
const port = fc.option(fc.constantFrom('80', '443', '0', '08', '080', '8080', '65535', '65536', '99999', '', '1'), { nil: undefined });
const segment = fc.oneof(
  fc.constantFrom('.', '..', '%2e', '.%2E', 'a.b', '.well-known', "it's", 'a b', 'a\\b', '^', '`', '{x}', '|', '~user', 'é', '%41', "!$&()*+,;=:@", 'q?x=1', 'x#f', 'a\tb'),
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,6}$/),
);
const path = fc.option(fc.array(segment, { maxLength: 4 }).map((segments) => `/${segments.join('/')}`), { nil: undefined });
const query = fc.option(fc.constantFrom('?', '?q=1', "?a='b'", '?x=/y?z', '?a b', '?#frag', '?%20'), { nil: undefined });
const url = fc.tuple(scheme, fc.constantFrom('://', '://', ':/', '://user:pw@', '://u@'), host, port, path, query).map(
  ([s, sep, h, p, pa, q]) => `${s}${sep}${h}${p === undefined ? '' : `:${p}`}${pa ?? ''}${q ?? ''}`,
);
const noise = fc.constantFrom(' ', '\t', '\n', '');

describe('URL parsing', () => {
  it('parseUrl agrees with the WHATWG URL parser', () => {
    fc.assert(
      fc.property(url, noise, (u, n) => {
        expect(parseUrl(n + u)).toEqual(whatwg(n + u));
        expect(parseUrl(u)).toEqual(whatwg(u));
      }),
      { numRuns: 3000 },
    );
  });

  it('resolveUrl agrees with the WHATWG URL parser, for absolute and relative Locations', () => {
    const location = fc.oneof(url, path.map((p) => p ?? ''), fc.tuple(path, query).map(([p, q]) => `${p ?? '/'}${q ?? ''}`), fc.constantFrom('//other.example/x', '\\\\x', '?q', '#f', 'rel/x', '', ' /x'));
    fc.assert(
      fc.property(location, fc.constantFrom('https://api.example/a/b', 'http://localhost:4002/c/1/0', 'http://127.0.0.1:4003/x', 'https://u:p@api.example/a'), (loc, base) => {
        const parsedBase = parseUrl(base) as ParsedUrl;
        expect(resolveUrl(loc, parsedBase)).toEqual(whatwg(loc, base));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the usual URLs as they are', () => {
    expect(parseUrl('http://localhost:4002/c/abc/0')).toEqual({ href: 'http://localhost:4002/c/abc/0', origin: 'http://localhost:4002', protocol: 'http:', hasCredentials: false });
    expect(parseUrl('https://app.example.com')).toEqual({ href: 'https://app.example.com/', origin: 'https://app.example.com', protocol: 'https:', hasCredentials: false });
    expect(parseUrl('https://app.example.com:443/x')?.href).toBe('https://app.example.com/x');
    expect(parseUrl('http://127.0.0.1:4001/a?b=c')?.origin).toBe('http://127.0.0.1:4001');
  });
});
