import { describe, expect, it } from 'vitest';
import {
  corsUnsafeRequestHeaderNames,
  isCorsSafelistedRequestHeader,
  isForbiddenRequestHeader,
  isNoCorsSafelistedRequestHeader,
  mimeTypeEssence,
  normalizeMethod,
  parseSingleRangeHeaderValue,
} from './safelist.js';
import type { HeaderList } from './types.js';

describe('CORS-safelisted request-header', () => {
  const cases: Array<[string, string, boolean]> = [
    ['Accept', 'application/json', true],
    ['accept', '*/*', true],
    ['Accept', 'text/html (x)', false],
    ['Accept', 'a'.repeat(128), true],
    ['Accept', 'a'.repeat(129), false],
    ['Accept-Language', 'en-GB,en;q=0.9', true],
    ['Accept-Language', 'en_GB', false],
    ['Content-Language', 'de, *', true],
    ['Content-Type', 'text/plain', true],
    ['Content-Type', 'Text/Plain; charset=utf-8', true],
    ['Content-Type', 'application/x-www-form-urlencoded', true],
    ['Content-Type', 'multipart/form-data; boundary=x', true],
    ['Content-Type', 'multipart/form-data; boundary="x"', false],
    ['Content-Type', 'application/json', false],
    ['Content-Type', 'text/plain, text/html', false],
    ['Content-Type', 'text/', false],
    ['Content-Type', '/plain', false],
    ['Content-Type', 'text/plain;', true],
    ['Range', 'bytes=0-10', true],
    ['Range', 'bytes=5-', true],
    ['Range', 'bytes=-5', false],
    ['Range', 'bytes=10-5', false],
    ['Range', 'bytes = 0-1', false],
    ['Range', 'bytes=0-1,3-4', false],
    ['Range', 'BYTES=0-1', true],
    ['X-Custom', 'a', false],
    ['Authorization', 'Bearer x', false],
    ['DPR', '2', false],
  ];
  it.each(cases)('%s: %s -> %s', (name, value, expected) => {
    expect(isCorsSafelistedRequestHeader(name, value)).toBe(expected);
  });
});

describe('no-CORS-safelisted request-header', () => {
  it.each([
    ['Accept', 'application/json', true],
    ['Content-Type', 'text/plain', true],
    ['Content-Type', 'application/json', false],
    ['Accept-Language', 'en', true],
    ['Range', 'bytes=0-10', false], // CORS-safelisted, but not a no-CORS-safelisted name
    ['Authorization', 'Bearer x', false],
  ] as Array<[string, string, boolean]>)('%s: %s -> %s', (name, value, expected) => {
    expect(isNoCorsSafelistedRequestHeader(name, value)).toBe(expected);
  });
});

describe('MIME type essence', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['  TEXT/PLAIN ; x=y', 'text/plain'],
    ['text/plain ', 'text/plain'],
    ['text /plain', null],
    ['text', null],
    ['te(xt/plain', null],
  ] as Array<[string, string | null]>)('%j -> %j', (input, essence) => {
    expect(mimeTypeEssence(input)).toBe(essence);
  });
});

describe('single range header value', () => {
  it.each([
    ['bytes=0-0', [0, 0]],
    ['bytes=7-', [7, null]],
    ['bytes=-7', [null, 7]],
    ['bytes=-', null],
    ['bytes=1-2x', null],
    ['items=1-2', null],
  ] as Array<[string, [number | null, number | null] | null]>)('%s', (input, expected) => {
    expect(parseSingleRangeHeaderValue(input)).toEqual(expected);
  });
});

describe('CORS-unsafe request-header names', () => {
  it.each([
    [[['X-B', '1'], ['x-a', '2'], ['Accept', 'text/plain']], ['x-a', 'x-b']],
    [[['X-A', '1'], ['x-a', '2']], ['x-a']],
    [[['Content-Type', 'application/json']], ['content-type']],
    [[['Accept', 'x']], []],
    // Five safelisted names of 128 bytes stay under 1024; the rule needs more entries.
    [
      Array.from({ length: 9 }, () => ['Accept', 'a'.repeat(120)]),
      ['accept'],
    ],
  ] as Array<[HeaderList, string[]]>)('%j -> %j', (headers, expected) => {
    expect(corsUnsafeRequestHeaderNames(headers)).toEqual(expected);
  });
});

describe('methods and forbidden headers', () => {
  it.each([
    ['get', 'GET'],
    ['Delete', 'DELETE'],
    ['patch', 'patch'],
    ['PATCH', 'PATCH'],
    ['options', 'OPTIONS'],
  ])('normalize %s -> %s', (input, out) => expect(normalizeMethod(input)).toBe(out));
  it.each([
    ['Cookie', 'a=b', true],
    ['Sec-Foo', 'x', true],
    ['Proxy-Authorization', 'x', true],
    ['X-HTTP-Method-Override', 'TRACE', true],
    ['X-HTTP-Method-Override', 'PUT', false],
    ['User-Agent', 'x', false],
    ['X-Custom', 'x', false],
  ] as Array<[string, string, boolean]>)('%s: %s forbidden=%s', (name, value, expected) => {
    expect(isForbiddenRequestHeader(name, value)).toBe(expected);
  });
});
