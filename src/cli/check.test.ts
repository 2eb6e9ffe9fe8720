/** `corsproof check`'s options read into what to check, without a process or a network: a table. */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../engine/request.js';
import type { CheckCliOptions, CheckInput } from './check.js';
import { parseCheckInput } from './check.js';
import { UsageError } from './io.js';

const defaults: CheckCliOptions = { method: 'GET', initiator: 'fetch', timeout: '10' };
const PAGE = 'https://app.example.com';
const API = 'https://api.example.com/v1/me';

const read = (url: string | undefined, options: Partial<CheckCliOptions>): CheckInput => parseCheckInput(url, { ...defaults, ...options });
const live = (url: string | undefined, options: Partial<CheckCliOptions>) => read(url, options) as CheckInput & { kind: 'live' };

describe('parseCheckInput', () => {
  it('a URL and an origin: the request the page makes, same-origin credentials, nothing said about them', () => {
    const input = live(API, { origin: PAGE, header: ['X-Api-Key: k'], method: 'PUT' });
    expect(input.request).toMatchObject({ url: API, origin: PAGE, method: 'PUT', headers: [['X-Api-Key', 'k']], credentials: 'same-origin', initiator: 'fetch' });
    expect(input).toMatchObject({ credentialsGiven: false, timeoutMs: 10_000, probe: true, insecure: false, remarks: [], json: false });
  });
  it('a page URL as --origin: its origin, with a remark saying so', () => {
    const input = live(API, { origin: `${PAGE}/settings?tab=1` });
    expect(input.request.origin).toBe(PAGE);
    expect(input.remarks).toEqual([`--origin ${PAGE}/settings?tab=1: the page's origin is ${PAGE} (scheme, host and port only), which is what the browser sends; using it.`]);
  });
  it('a copied cURL command: its method, headers, origin and credentials; copied cookies go with the request only', () => {
    const input = live(undefined, { curl: `curl '${API}' -X PUT -H 'Origin: ${PAGE}' -H 'Content-Type: application/json' -b 'sid=1'` });
    expect(input.request).toMatchObject({ url: API, origin: PAGE, method: 'PUT', headers: [['Content-Type', 'application/json']], credentials: 'include' });
    expect(input.credentialHeaders).toEqual([['Cookie', 'sid=1']]);
    expect(input.credentialsGiven).toBe(true);
  });
  it('--har: the file, the entry and the credentials, nothing read yet', () => {
    expect(read(undefined, { har: 'session.har', entry: '3', credentials: 'include', json: true })).toEqual({
      kind: 'har',
      file: 'session.har',
      only: 3,
      credentials: 'include',
      stack: undefined,
      json: true,
      browsers: undefined,
    });
  });
  it('--browsers: all three when not given; the names given, in the verdict\'s order, for a URL and a HAR', () => {
    expect(live(API, { origin: PAGE }).browsers).toBeUndefined();
    expect(live(API, { origin: PAGE, browsers: 'webkit,Chromium' }).browsers).toEqual(['chromium', 'webkit']);
    expect(live(API, { origin: PAGE, browsers: 'firefox,firefox' }).browsers).toEqual(['firefox']);
    expect(read(undefined, { har: 'x.har', browsers: 'firefox' })).toMatchObject({ kind: 'har', browsers: ['firefox'] });
  });
  it('--no-probe, --insecure, --timeout, --stack', () => {
    expect(live(API, { origin: PAGE, probe: false, insecure: true, timeout: '2.5', stack: 'nginx' })).toMatchObject({ probe: false, insecure: true, timeoutMs: 2500, stack: 'nginx' });
  });

  const refused: Array<[string, string | undefined, Partial<CheckCliOptions>, RegExp]> = [
    ['no URL', undefined, { origin: PAGE }, /give the URL to check/],
    ['no origin', API, {}, /--origin <origin> is required/],
    ['an unknown stack', API, { origin: PAGE, stack: 'cobol' }, /--stack 'cobol' is not a known stack: corsproof-express/],
    ['a URL and --curl', API, { curl: `curl '${API}'` }, /either a URL or --curl/],
    ['--har with a URL', API, { har: 'x.har' }, /one of a URL, --curl or --har/],
    ['a bad --entry', undefined, { har: 'x.har', entry: '-1' }, /--entry must be an entry index/],
    ['bad credentials', API, { origin: PAGE, credentials: 'always' }, /--credentials must be omit, same-origin or include/],
    ['a bad initiator', API, { origin: PAGE, initiator: 'websocket' }, /--initiator must be fetch, xhr or eventsource/],
    ['a timeout over an hour', API, { origin: PAGE, timeout: '3601' }, /--timeout must be a number of seconds from 0 to 3600/],
    ['a header without a colon', API, { origin: PAGE, header: ['X-Api-Key'] }, /-H 'X-Api-Key': expected "Name: value"/],
    ['userinfo in a fetch() URL', 'https://u:p@api.example.com/', { origin: PAGE }, /fetch\(\) throws a TypeError/],
    ['a copied request without Origin', undefined, { curl: `curl '${API}'` }, /has no Origin header/],
    ['an unknown browser', API, { origin: PAGE, browsers: 'chromium,safari' }, /--browsers: 'safari' is not a browser corsproof models \(Safari's engine is webkit\); give a comma-separated list of chromium, firefox, webkit/],
    ['an empty --browsers', API, { origin: PAGE, browsers: ' , ' }, /--browsers needs at least one of chromium, firefox, webkit/],
    ['an unknown browser with --har', undefined, { har: 'x.har', browsers: 'lynx' }, /'lynx' is not a browser/],
  ];
  it.each(refused)('refuses %s with a UsageError naming the option', (_name, url, options, message) => {
    expect(() => read(url, options)).toThrow(UsageError);
    expect(() => read(url, options)).toThrow(message);
  });
  it('refuses what a browser cannot send with a ScenarioError naming the field', () => {
    expect(() => read(API, { origin: 'app.example.com' })).toThrow(ScenarioError);
    expect(() => read(API, { origin: PAGE, header: ['X-A: a\rb'] })).toThrow(ScenarioError);
  });
});
