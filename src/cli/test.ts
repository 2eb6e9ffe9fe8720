/**
 * `corsproof test <contract>`: a CORS contract (YAML or JSON) run against a
 * deployed service, for CI after a deploy; a summary, `--json`, and
 * `--junit <file>` for CI dashboards. Exit codes as `check`: 0 every case
 * held, 1 a case failed, 2 a bad contract, 3 a request did not complete.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContractResult } from '../testing/contract.js';
import { ContractError, parseContract, runContract } from '../testing/contract.js';
import { liveTransport } from '../testing/targets.js';
import pc from './colors.js';
import { UsageError, readInput, readTimeoutMs, stamped } from './io.js';

/** The options as commander gives them. */
export interface TestCliOptions {
  url?: string;
  json?: boolean;
  junit?: string;
  timeout: string;
}

/** `corsproof test --json`: the contract in the README ("Testing your CORS"). */
export interface TestJson {
  url: string;
  browsers: string[];
  cases: Array<{ name: string; line: number; from: string; method: string; path: string; expect: unknown; held: boolean; failure: string | null }>;
  attackers: { held: boolean; failure: string | null; findings: Array<{ id: string; origin: string; method: string; path: string; browsers: string[] }> } | null;
  networkFailures: Array<{ name: string; message: string }>;
}

/** The result as JSON. */
export function testJson(url: string, browsers: string[], result: ContractResult): TestJson {
  return {
    url,
    browsers,
    cases: result.cases.map((r) => ({ name: r.case.name, line: r.case.line, from: r.case.from, method: r.case.init.method ?? 'GET', path: r.case.path, expect: r.case.expect, held: r.held, failure: r.failure })),
    attackers:
      result.attackers === null
        ? null
        : {
            held: result.attackers.held,
            failure: result.attackers.failure,
            findings: result.attackers.results
              .filter((a) => a.readableIn.length > 0)
              .map((a) => ({ id: a.probe.id, origin: a.probe.origin, method: a.init.method ?? 'GET', path: a.path, browsers: a.readableIn })),
          },
    networkFailures: result.networkFailures,
  };
}

/** XML text and attribute values, escaped; characters XML 1.0 cannot carry dropped. */
function xml(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** JUnit XML, as CI dashboards read it: one test case per contract case, one for the attackers; the browsers judged as the suite's property. */
export function junitXml(file: string, browsers: readonly string[], result: ContractResult): string {
  const cases = result.cases.map((r) => ({ name: r.case.name, line: r.case.line, failure: r.failure }));
  if (result.attackers !== null) cases.push({ name: 'attackers', line: 0, failure: result.attackers.failure });
  const failures = cases.filter((c) => c.failure !== null).length;
  const body = cases
    .map((c) => {
      const open = `    <testcase classname="${xml(file)}" name="${xml(c.name)}" file="${xml(file)}"${c.line > 0 ? ` line="${c.line}"` : ''}`;
      if (c.failure === null) return `${open}/>`;
      return `${open}>\n      <failure message="${xml(c.failure.split('\n')[0] ?? '')}">${xml(c.failure)}</failure>\n    </testcase>`;
    })
    .join('\n');
  const properties = `    <properties>\n      <property name="browsers" value="${xml(browsers.join(','))}"/>\n    </properties>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${cases.length}" failures="${failures}">\n  <testsuite name="corsproof test ${xml(file)}" tests="${cases.length}" failures="${failures}">\n${properties}\n${body}\n  </testsuite>\n</testsuites>\n`;
}

/** The summary for the terminal. */
function renderText(file: string, url: string, result: ContractResult): string {
  const out: string[] = [];
  for (const r of result.cases) out.push(`  ${r.held ? pc.green('✓') : pc.red('✗')} ${r.case.name} ${pc.dim(`(${file}:${r.case.line})`)}`);
  const a = result.attackers;
  if (a !== null) {
    const probes = new Set(a.results.map((x) => x.probe.origin)).size;
    out.push(`  ${a.held ? pc.green('✓') : pc.red('✗')} attackers: ${a.held ? `${probes} origins blocked` : 'an origin the service did not mean to allow can read it'}`);
  }
  const failed = [...result.cases.filter((r) => !r.held).map((r) => ({ title: `${r.case.name} (${file}:${r.case.line})`, text: r.failure ?? '' })), ...(a !== null && !a.held ? [{ title: 'attackers', text: a.failure ?? '' }] : [])];
  const held = result.cases.filter((r) => r.held).length + (a?.held === true ? 1 : 0);
  const total = result.cases.length + (a !== null ? 1 : 0);
  const details = failed.map((f, i) => `\n${pc.bold(`${i + 1}) ${f.title}`)}\n${f.text}`).join('\n');
  return `corsproof test ${file} against ${url}\n${out.join('\n')}\n${details}\n${held} of ${total} held.\n`;
}

/** Run `corsproof test`; returns the exit code. */
export async function testCommand(file: string, o: TestCliOptions): Promise<number> {
  const timeoutMs = readTimeoutMs(o.timeout);
  let contract;
  try {
    contract = parseContract(readInput(file), file);
  } catch (e) {
    if (e instanceof ContractError) throw new UsageError(e.message);
    throw e;
  }
  const url = o.url ?? contract.url;
  if (url === null) throw new UsageError(`${file} has no url: and no --url was given: say which deployed service to test`);
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, not '${url}'`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL, not '${url}'`);
  const result = await runContract(contract, liveTransport(base.href, { timeoutMs }));
  if (o.junit !== undefined) writeFileSync(o.junit, junitXml(file, contract.browsers, result));
  if (o.json) process.stdout.write(`${JSON.stringify(stamped(testJson(base.href, contract.browsers, result)), null, 2)}\n`);
  else process.stdout.write(renderText(file, base.href, result));
  if (result.networkFailures.length > 0) return 3;
  return result.cases.every((r) => r.held) && (result.attackers?.held ?? true) ? 0 : 1;
}

/** The `test` command, with its options and help. */
export function defineTest(cmd: Command): void {
  cmd
    .command('test')
    .description('Run a CORS contract (YAML or JSON: page origins, routes, methods, credentials, what the browsers must do) against a deployed service.')
    .argument('<contract>', 'the contract file (YAML or JSON)')
    .option('--url <base>', "the service's base URL (overrides the contract's url:)")
    .option('--junit <file>', 'also write the results as JUnit XML, for CI dashboards')
    .option('--timeout <seconds>', 'give up on a request after this long', '10')
    .option('--json', 'print the results as JSON')
    .addHelpText(
      'after',
      `
A contract:
  url: https://api.example.com
  cases:
    - name: the app reads its items with cookies
      from: https://app.example.com
      path: /items
      credentials: include
      expect: { expose: [X-Total-Count] }
    - from: https://app.example.com
      path: /items/7
      method: PUT
      headers: { Content-Type: application/json }
      body: '{"done": true}'
      credentials: include
      expect: { cachePreflightFor: 600 }
    - from: https://evil.example
      path: /items
      expect: { blocked: CORSMissingAllowOrigin }
  attackers:
    allowed: [https://app.example.com]

expect: is pass, blocked, { blocked: <a Firefox reason, Chromium error or WebKit reason, or corsproof's reason id> }, { expose: [...] } or { cachePreflightFor: <seconds> }.
browsers: narrows what is judged to some of chromium, firefox, webkit (all three by default).

Proxies as curl: HTTPS_PROXY (https URLs, CONNECT tunnel), http_proxy (http URLs; not HTTP_PROXY), ALL_PROXY, NO_PROXY (loopback always direct).
Exit codes: 0 every case held, 1 a case failed, 2 a bad contract (the message names the line and field), 3 a request did not complete.`,
    )
    .action(async (file: string, options: TestCliOptions) => {
      process.exitCode = await testCommand(file, options);
    });
}
