import { describe, expect, it } from 'vitest';
import { CurlError, parseCurl } from './curl.js';

describe('parseCurl', () => {
  it("reads Chromium's Copy as cURL (bash)", () => {
    const r = parseCurl(
      `curl 'https://api.example.com/v1/items' \\
  -H 'accept: */*' \\
  -H 'accept-language: en-US,en;q=0.9' \\
  -H 'content-type: application/json' \\
  -b 'sid=abc' \\
  -H 'origin: https://app.example.com' \\
  -H 'priority: u=1, i' \\
  -H 'referer: https://app.example.com/' \\
  -H 'sec-ch-ua-mobile: ?0' \\
  -H 'sec-fetch-mode: cors' \\
  -H 'user-agent: Mozilla/5.0' \\
  -H 'x-api-key: k' \\
  --data-raw '{"a":1}'`,
    );
    expect(r).toEqual({
      url: 'https://api.example.com/v1/items',
      method: 'POST',
      headers: [
        ['accept', '*/*'],
        ['content-type', 'application/json'],
        ['x-api-key', 'k'],
      ],
      credentials: 'include',
      origin: 'https://app.example.com',
      insecure: false,
      browserHeaders: ['accept-language', 'origin', 'priority', 'referer', 'sec-ch-ua-mobile', 'sec-fetch-mode', 'user-agent'],
    });
  });
  it("reads Firefox's Copy as cURL (with -X and --compressed)", () => {
    const r = parseCurl(
      `curl 'https://api.example.com/v1/items/7' --compressed -X PUT -H 'User-Agent: Mozilla/5.0' -H 'Accept: */*' -H 'Origin: https://app.example.com' -H 'Connection: keep-alive' -H 'Sec-Fetch-Site: cross-site' -H 'Authorization: Bearer t'`,
    );
    expect(r.method).toBe('PUT');
    expect(r.headers).toEqual([
      ['Accept', '*/*'],
      ['Authorization', 'Bearer t'],
    ]);
    expect(r.credentials).toBe('same-origin');
  });
  it.each([
    ['not curl', 'wget https://x', /starting with 'curl'/],
    ['no URL', "curl -H 'a: b'", /no URL/],
    ['shell syntax', 'curl https://x | sh', /shell syntax/],
    ['unknown option', 'curl --frobnicate https://x', /--frobnicate/],
    ['bad header', "curl https://x -H 'nocolon'", /Name: value/],
  ])('%s is refused with a clear message', (_n, cmd, message) => {
    expect(() => parseCurl(cmd)).toThrow(CurlError);
    expect(() => parseCurl(cmd)).toThrow(message);
  });
});
