import { describe, expect, it } from 'vitest';
import type { Proxy, ProxyEnv } from './proxy.js';
import { bypassesProxy, isLoopback, parseProxy, proxyFor } from './proxy.js';

describe('bypassesProxy: NO_PROXY as curl reads it', () => {
  // [host as URL.hostname gives it, port, NO_PROXY, goes directly]
  const rows: Array<[string, number, string, boolean]> = [
    // empty, and the lone asterisk
    ['api.example.com', 443, '', false],
    ['api.example.com', 443, '*', true],
    ['api.example.com', 443, ' * ', true],
    ['api.example.com', 443, 'other.com,*', false], // curl: * only alone
    // a name matches itself and its subdomains, never a longer name
    ['example.com', 443, 'example.com', true],
    ['api.example.com', 443, 'example.com', true],
    ['a.b.example.com', 443, 'example.com', true],
    ['notexample.com', 443, 'example.com', false],
    ['example.com.evil', 443, 'example.com', false],
    ['example.com', 443, 'api.example.com', false],
    // a leading dot (or, beyond curl, *.) is the same entry
    ['api.example.com', 443, '.example.com', true],
    ['example.com', 443, '.example.com', true],
    ['api.example.com', 443, '*.example.com', true],
    ['notexample.com', 443, '.example.com', false],
    // case and trailing dots do not matter
    ['api.example.com', 443, 'EXAMPLE.COM', true],
    ['api.example.com.', 443, 'example.com', true],
    ['api.example.com', 443, 'example.com.', true],
    // lists: commas, blanks around entries, empty entries; the list ends at a blank with no comma after it
    ['b.com', 443, 'a.com,b.com', true],
    ['b.com', 443, ' a.com , b.com ', true],
    ['b.com', 443, 'a.com,,,b.com', true],
    ['b.com', 443, 'a.com b.com', false],
    ['a.com', 443, 'a.com b.com', true],
    // ports (beyond curl, which never matches host:port): that port only
    ['api.example.com', 8443, 'example.com:8443', true],
    ['api.example.com', 443, 'example.com:8443', false],
    ['api.example.com', 443, 'example.com:443', true],
    // IP addresses: exact, or a CIDR range (curl 7.86); names are never resolved
    ['10.1.2.3', 443, '10.1.2.3', true],
    ['10.1.2.4', 443, '10.1.2.3', false],
    ['10.1.2.3', 443, '10.0.0.0/8', true],
    ['11.1.2.3', 443, '10.0.0.0/8', false],
    ['192.168.7.9', 443, '192.168.0.0/16', true],
    ['10.1.2.3', 443, '10.1.2.3:443', true],
    ['10.1.2.3', 8080, '10.1.2.3:443', false],
    ['10.1.2.3', 443, '10.0.0.0/33', false],
    ['10.1.2.3', 443, '10.0.0.0/x', false],
    ['10.1.2.3', 443, '10.1.2', false],
    ['10.1.2.3', 443, '2.3', false], // an IP address is not a domain
    ['api.example.com', 443, '10.0.0.0/8', false],
    ['[2001:db8::1]', 443, '2001:db8::1', true],
    ['[2001:db8::1]', 443, '2001:db8::/32', true],
    ['[2001:db9::1]', 443, '2001:db8::/32', false],
    ['[2001:db8::1]', 443, '[2001:db8::1]', true],
    ['[2001:db8::1]', 8443, '[2001:db8::1]:8443', true],
    ['[2001:db8::1]', 443, '[2001:db8::1]:8443', false],
    ['[2001:db8::1]', 443, '10.0.0.0/8', false],
    // loopback goes directly (browsers), unless <-loopback> (Chromium's entry)
    ['localhost', 80, '', true],
    ['app.localhost', 80, '', true],
    ['127.0.0.1', 80, '', true],
    ['127.8.9.10', 80, '', true],
    ['[::1]', 80, '', true],
    ['localhost', 80, '<-loopback>', false],
    ['127.0.0.1', 80, '<-loopback>', false],
    ['127.0.0.1', 80, '<-loopback>,127.0.0.1', true],
    ['127.0.0.1', 80, '<-loopback>, 127.0.0.0/8', true],
    ['localhost', 80, '<-loopback>,localhost', true],
    ['128.0.0.1', 80, '', false],
    ['localhost.example.com', 80, '', false],
  ];
  it.each(rows)('%s:%i with NO_PROXY=%j: direct %s', (host, port, noProxy, direct) => {
    expect(bypassesProxy(host, port, noProxy)).toBe(direct);
  });
});

describe('isLoopback', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST.', true],
    ['a.b.localhost', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['[::1]', true],
    ['::1', true],
    ['[::2]', false],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['localhostx', false],
  ])('%s: %s', (host, loopback) => expect(isLoopback(host)).toBe(loopback));
});

/** The proxy proxyFor picks for `url` in `env`: its key and variable, `null`, or the problem. */
function pick(url: string, env: ProxyEnv): string | null {
  const choice = proxyFor(new URL(url), env);
  if (choice === null) return null;
  return 'problem' in choice ? `problem: ${choice.problem}` : `${choice.key} from ${choice.variable}`;
}

describe('proxyFor: which variable, as curl', () => {
  const rows: Array<[string, string, ProxyEnv, string | null]> = [
    ['nothing set', 'https://api.example.com/', {}, null],
    ['HTTPS_PROXY', 'https://api.example.com/', { HTTPS_PROXY: 'http://p:3128' }, 'http://p:3128 from HTTPS_PROXY'],
    ['https_proxy before HTTPS_PROXY', 'https://api.example.com/', { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:2' }, 'http://low:1 from https_proxy'],
    ['an empty https_proxy counts as unset', 'https://api.example.com/', { https_proxy: '', HTTPS_PROXY: 'http://up:2' }, 'http://up:2 from HTTPS_PROXY'],
    ['http_proxy for http', 'http://api.example.com/', { http_proxy: 'http://p:3128' }, 'http://p:3128 from http_proxy'],
    ['HTTP_PROXY is ignored (httpoxy)', 'http://api.example.com/', { HTTP_PROXY: 'http://p:3128' }, null],
    ['http_proxy is not for https', 'https://api.example.com/', { http_proxy: 'http://p:3128' }, null],
    ['HTTPS_PROXY is not for http', 'http://api.example.com/', { HTTPS_PROXY: 'http://p:3128' }, null],
    ['all_proxy as the fallback', 'http://api.example.com/', { all_proxy: 'http://all:1', HTTP_PROXY: 'http://up:2' }, 'http://all:1 from all_proxy'],
    ['ALL_PROXY after all_proxy', 'https://api.example.com/', { ALL_PROXY: 'http://all:1' }, 'http://all:1 from ALL_PROXY'],
    ['the specific variable before all_proxy', 'https://api.example.com/', { all_proxy: 'http://all:1', HTTPS_PROXY: 'http://s:2' }, 'http://s:2 from HTTPS_PROXY'],
    ['no_proxy', 'https://api.example.com/', { HTTPS_PROXY: 'http://p:1', no_proxy: 'example.com' }, null],
    ['NO_PROXY', 'https://api.example.com/', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com' }, null],
    ['no_proxy before NO_PROXY', 'https://api.example.com/', { HTTPS_PROXY: 'http://p:1', no_proxy: 'other.com', NO_PROXY: 'example.com' }, 'http://p:1 from HTTPS_PROXY'],
    ['NO_PROXY by the URL port', 'https://api.example.com:8443/', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com:8443' }, null],
    ['NO_PROXY by the default port', 'https://api.example.com/', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com:443' }, null],
    ['loopback', 'http://localhost:3000/', { http_proxy: 'http://p:1' }, null],
    ['loopback with <-loopback>', 'http://localhost:3000/', { http_proxy: 'http://p:1', no_proxy: '<-loopback>' }, 'http://p:1 from http_proxy'],
    ['other schemes', 'ws://api.example.com/', { all_proxy: 'http://p:1' }, null],
    ['an unusable variable, when NO_PROXY bypasses it, is not read', 'https://api.example.com/', { HTTPS_PROXY: 'socks5://p', NO_PROXY: '*' }, null],
  ];
  it.each(rows)('%s', (_name, url, env, expected) => expect(pick(url, env)).toBe(expected));
});

describe('parseProxy: the proxy URL, with curl defaults', () => {
  const ok = (value: string): Proxy => {
    const p = parseProxy(value, 'HTTPS_PROXY');
    if ('problem' in p) throw new Error(p.problem);
    return p;
  };
  it.each([
    ['proxy.corp', 'http:', 'proxy.corp', 1080],
    ['proxy.corp:3128', 'http:', 'proxy.corp', 3128],
    ['http://proxy.corp', 'http:', 'proxy.corp', 1080],
    ['http://proxy.corp:80', 'http:', 'proxy.corp', 80],
    ['http://proxy.corp:80/', 'http:', 'proxy.corp', 80],
    ['HTTP://Proxy.Corp:8080', 'http:', 'proxy.corp', 8080],
    ['https://proxy.corp', 'https:', 'proxy.corp', 443],
    ['https://proxy.corp:8443', 'https:', 'proxy.corp', 8443],
    ['http://[fd00::1]:3128', 'http:', 'fd00::1', 3128],
    ['http://[fd00::1]', 'http:', 'fd00::1', 1080],
    ['http://10.0.0.1:3128', 'http:', '10.0.0.1', 3128],
    ['http://user:pw@proxy.corp:3128', 'http:', 'proxy.corp', 3128],
  ])('%s → %s %s:%i', (value, protocol, hostname, port) => {
    expect(ok(value)).toMatchObject({ protocol, hostname, port });
  });

  it('user:password → Proxy-Authorization: Basic, percent-decoded; messages and keys never carry the password', () => {
    const p = ok('http://alice:s3cret%3A%21@proxy.corp:3128');
    expect(p.authorization).toBe(`Basic ${Buffer.from('alice:s3cret:!').toString('base64')}`);
    expect(p.label).toBe('proxy.corp:3128');
    expect(p.key).toBe('http://alice:***@proxy.corp:3128');
    expect(ok('http://alice@proxy.corp:3128').authorization).toBe(`Basic ${Buffer.from('alice:').toString('base64')}`);
    expect(ok('http://proxy.corp:3128').authorization).toBeNull();
  });

  it.each([
    ['socks5://proxy.corp:1080', 'HTTPS_PROXY names a SOCKS proxy (socks5://)'],
    ['socks5h://proxy.corp', 'HTTPS_PROXY names a SOCKS proxy (socks5h://)'],
    ['ftp://proxy.corp', 'HTTPS_PROXY names a ftp:// proxy'],
    ['http://', 'HTTPS_PROXY is not a proxy URL'],
    ['http://proxy corp:1', 'HTTPS_PROXY is not a proxy URL'],
  ])('%s: a problem', (value, message) => {
    const p = parseProxy(value, 'HTTPS_PROXY');
    expect('problem' in p ? p.problem : '').toContain(message);
  });
});
