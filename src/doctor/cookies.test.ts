import { describe, expect, it } from 'vitest';
import { checkCookies, siteOf } from './cookies.js';

const PAGE = 'https://app.example.com';
const CROSS = 'https://api.other.net/me';
const SAME_SITE = 'https://api.example.com/me';

describe('siteOf', () => {
  it.each([
    ['https://app.example.com', 'https://example.com'],
    ['https://a.b.example.co.uk/x', 'https://example.co.uk'],
    ['https://me.github.io', 'https://me.github.io'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1'],
  ])('%s -> %s', (url, site) => expect(siteOf(url)).toBe(site));
});

describe('checkCookies', () => {
  const codes = (line: string, url = CROSS): string[] => checkCookies([['Set-Cookie', line]], PAGE, url).map((f) => f.severity);
  it.each([
    ['sid=1; SameSite=None', CROSS, ['error']],
    ['sid=1; SameSite=None; Secure', CROSS, ['warning']],
    ['sid=1; SameSite=None; Secure; Partitioned', CROSS, []],
    ['sid=1', CROSS, ['error']],
    ['sid=1; SameSite=Lax; Secure', CROSS, ['error']],
    ['sid=1; SameSite=Strict', SAME_SITE, []],
    ['sid=1', SAME_SITE, []],
    ['sid=1; Secure', 'http://api.example.com/me', ['error']],
    // Loopback over http is potentially trustworthy: both browsers keep Secure cookies from it.
    ['sid=1; Secure; SameSite=None', 'http://localhost:8080/me', ['warning']],
    ['sid=1; Secure; SameSite=None; Partitioned', 'http://127.0.0.1:8080/me', []],
  ])('%s for %s', (line, url, expected) => expect(codes(line, url)).toEqual(expected));
  it('a cookie without SameSite: Lax by default in Chromium only', () => {
    const m = checkCookies([['Set-Cookie', 'sid=1; Secure']], PAGE, CROSS)[0]?.message ?? '';
    expect(m).toContain('Chromium treats it as SameSite=Lax');
    expect(m).toContain('Firefox still sends it');
  });
  it('says plainly that CORS passes but the cookie is not sent', () => {
    expect(checkCookies([['Set-Cookie', 'sid=1']], PAGE, CROSS)[0]?.message).toContain('even though CORS passes');
  });
});
