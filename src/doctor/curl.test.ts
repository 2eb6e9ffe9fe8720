import { describe, expect, it } from 'vitest';
import { CurlError, parseCurl, shellExpansions } from './curl.js';

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
        ['content-type', 'application/json'],
        ['x-api-key', 'k'],
      ],
      credentials: 'include',
      origin: 'https://app.example.com',
      insecure: false,
      browserHeaders: ['accept', 'accept-language', 'origin', 'priority', 'referer', 'sec-ch-ua-mobile', 'sec-fetch-mode', 'user-agent'],
      remarks: [],
      credentialHeaders: [['Cookie', 'sid=abc']],
    });
  });
  it("reads Firefox's Copy as cURL (with -X and --compressed)", () => {
    const r = parseCurl(
      `curl 'https://api.example.com/v1/items/7' --compressed -X PUT -H 'User-Agent: Mozilla/5.0' -H 'Accept: */*' -H 'Origin: https://app.example.com' -H 'Connection: keep-alive' -H 'Sec-Fetch-Site: cross-site' -H 'Authorization: Bearer t'`,
    );
    expect(r.method).toBe('PUT');
    expect(r.headers).toEqual([['Authorization', 'Bearer t']]);
    expect(r.credentials).toBe('same-origin');
  });
  it('keeps an Accept script set (only the default */* is the browser\'s)', () => {
    expect(parseCurl("curl https://x -H 'Accept: application/json'").headers).toEqual([['Accept', 'application/json']]);
  });
  it("reads a preflight's row as the request it stands for", () => {
    const r = parseCurl(
      "curl --url 'https://api.example/items' -X 'OPTIONS' -H 'Access-Control-Request-Headers: authorization,content-type' -H 'Access-Control-Request-Method: PUT' -H 'Origin: https://app.example' -H 'Sec-Fetch-Mode: cors'",
    );
    expect([r.method, r.origin, r.headers.map(([n]) => n)]).toEqual(['PUT', 'https://app.example', ['authorization', 'content-type']]);
    expect(r.remarks.join(' ')).toContain('preflight');
  });
  it('takes the page origin from Referer when Chromium copied provisional headers (no Origin)', () => {
    const r = parseCurl("curl --url 'https://api.example/items' -H 'Authorization: Bearer t' -H 'Referer: https://app.example/page?x=1'");
    expect([r.method, r.origin, r.headers]).toEqual(['GET', 'https://app.example', [['Authorization', 'Bearer t']]]);
    expect(r.remarks.join(' ')).toContain('Referer');
  });
  it.each([
    ['quotes and carets', 'curl ^"https://x/a?b=1^&c=2^" ^\n  -H ^"sec-ch-ua: ^\\^"Chromium^\\^";v=^\\^"156^\\^"^" ^\n  -H ^"x-odd: 50^%^"', ['https://x/a?b=1&c=2', [['x-odd', '50%']]]],
    // The C runtime's rules: backslashes are literal unless a quote follows; \" is a quote.
    ['backslashes as the C runtime reads them', 'curl.exe ^"https://x/^" ^\r\n  -H ^"x-path: C:^\\^\\dir^\\^"^"', ['https://x/', [['x-path', 'C:\\\\dir"']]]],
  ])('reads the Windows (cmd) form: %s', (_n, cmd, [url, headers]) => {
    const r = parseCurl(cmd as string);
    expect([r.url, r.headers]).toEqual([url, headers]);
  });
  it.each([
    ['-H Cookie', "curl https://x -H 'Cookie: a=1; b=2'", [['Cookie', 'a=1; b=2']], 0],
    ['-b with cookies', "curl https://x -b 'a=1'", [['Cookie', 'a=1']], 0],
    ['-b with a cookie file (not read, said so)', 'curl https://x -b jar.txt', [], 1],
    ['-u user:pass', "curl https://x -u 'me:s3cret'", [['Authorization', `Basic ${btoa('me:s3cret')}`]], 0],
  ])('keeps what the browser adds to a credentialed request: %s', (_n, cmd, headers, remarks) => {
    const r = parseCurl(cmd);
    expect([r.credentials, r.credentialHeaders, r.headers, r.remarks.length]).toEqual(['include', headers, [], remarks]);
  });
  it.each([
    ['-XPUT', "curl https://x -XPUT -H'X-A: 1'", 'PUT'],
    ['--request=PATCH', "curl https://x --request=PATCH --header='X-A: 1'", 'PATCH'],
  ])('reads options with their value attached: %s', (_n, cmd, method) => {
    const r = parseCurl(cmd);
    expect([r.method, r.headers]).toEqual([method, [['X-A', '1']]]);
  });
  it('reads $ as text inside single quotes and $\'...\' (as DevTools quotes values), never as an expansion', () => {
    expect(shellExpansions("curl 'https://x/$A' -H $'X-B: it\\'s $B' -H \"X-C: \\$C\"")).toEqual({ variables: [], commands: [] });
    expect(parseCurl("curl 'https://x/' -H 'X-A: $TOKEN'").headers).toEqual([['X-A', '$TOKEN']]);
    expect(shellExpansions('curl "$A$A" ${B} $(echo $(date)) $1')).toEqual({ variables: ['$A', '${B}', '$1'], commands: ['$(echo $(date))'] });
  });
  it('leaves the origin to --origin when neither Origin nor Referer is there', () => {
    expect(parseCurl('curl https://api.example/items').origin).toBeNull();
  });
  it.each([
    ['not curl', 'wget https://x', /starting with 'curl'/],
    ['no URL', "curl -H 'a: b'", /no URL/],
    ['shell syntax', 'curl https://x | sh', /shell syntax/],
    ['unknown option', 'curl --frobnicate https://x', /--frobnicate/],
    ['bad header', "curl https://x -H 'nocolon'", /Name: value/],
    ['a shell variable', 'curl https://x -H "Authorization: Bearer $TOKEN"', /shell variable \$TOKEN/],
    ['a braced variable and a command substitution', 'curl "https://x/${API}" -H "Authorization: Bearer $(cat token)"', /shell variable \$\{API\} and the command substitution \$\(cat token\)/],
    ['a backquoted command', 'curl https://x -H "X-User: `whoami`"', /command substitution `whoami`/],
    ['a cmd variable (Windows form)', 'curl ^"https://x/^" -H ^"Authorization: %TOKEN%^"', /cmd variable %TOKEN%/],
    ['an unterminated quote (Windows form)', 'curl ^"https://x/^" ^\n  -H "accept: */*', /unterminated double quote/],
  ])('%s is refused with a clear message', (_n, cmd, message) => {
    expect(() => parseCurl(cmd)).toThrow(CurlError);
    expect(() => parseCurl(cmd)).toThrow(message);
  });
});
