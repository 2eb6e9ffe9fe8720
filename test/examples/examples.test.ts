/**
 * The examples under examples/testing/, run the way their READMEs say, each with its own runner
 * (Vitest, node:test, Jest in CommonJS) and its own tsconfig: each example's suite must pass
 * except for the one test of its deliberately broken route, which must fail with that route's
 * reason in both browsers' words and the console line. They import 'corsproof/testing' and the
 * adapters by the package's name (self-reference), so they run against dist/: `npm test` builds
 * first; alone, run `npm run build` then `vitest run --project examples`.
 *
 * Every runner and every tsc starts at once (child processes), and each test awaits its own.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const examples = join(root, 'examples', 'testing');
const bin = {
  vitest: join(root, 'node_modules', 'vitest', 'vitest.mjs'),
  jest: join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
  tsc: join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
};
const out = await mkdtemp(join(tmpdir(), 'corsproof-examples-'));
afterAll(() => rm(out, { recursive: true, force: true }));

interface Run {
  code: number | null;
  output: string;
}

/**
 * Run `node ...args` in `cwd`, with neither npm's variables (under `npm test`) nor this Vitest's
 * own (a child Vitest would take VITEST_POOL_ID and the like for its own).
 */
function node(args: string[], cwd: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|VITEST|TEST$|NODE_OPTIONS$)/i.test(name)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** One test's result, as each runner's machine-readable report gives it. */
interface TestResult {
  fullName: string;
  status: string;
  message: string;
}

/** Vitest's and Jest's --json report (the same shape). */
interface JsonReport {
  testResults: Array<{ assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
}
const fromJsonReport = (text: string): TestResult[] =>
  (JSON.parse(text) as JsonReport).testResults.flatMap((file) => file.assertionResults.map((t) => ({ fullName: t.fullName, status: t.status, message: t.failureMessages.join('\n') })));

/** test/examples/node-test-json-reporter.mjs: one JSON line per test. */
const fromJsonLines = (text: string): TestResult[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const t = JSON.parse(line) as { fullName: string; status: string; message?: string };
      return { fullName: t.fullName, status: t.status, message: t.message ?? '' };
    });

interface Example {
  dir: string;
  /** The runner's command line (node's arguments), writing its report to `report`. */
  command: (report: string) => string[];
  read: (text: string) => TestResult[];
  tests: number;
  /** The broken route's test (part of its full name), and what its failure must say. */
  broken: { test: string; says: string[] };
}

const EXAMPLES: Example[] = [
  {
    dir: 'express-vitest',
    command: (report) => [bin.vitest, 'run', '--reporter=json', `--outputFile=${report}`],
    read: fromJsonReport,
    tests: 6,
    broken: {
      test: 'lets the front end read the widget feed with cookies',
      says: [
        'to pass in Chromium, Firefox and WebKit, but Chromium, Firefox and WebKit block it',
        '< Access-Control-Allow-Origin: *',
        'Chromium  WildcardOriginNotAllowed',
        "must not be the wildcard '*' when the request's credentials mode is 'include'",
        'Firefox   CORSNotSupportingCredentials',
        '(Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)',
        'WebKit (Safari)  wildcard-with-credentials',
        'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.',
      ],
    },
  },
  {
    dir: 'hono-node-test',
    command: (report) => ['--test', `--test-reporter=${join(import.meta.dirname, 'node-test-json-reporter.mjs')}`, `--test-reporter-destination=${report}`],
    read: fromJsonLines,
    tests: 5,
    broken: {
      test: 'lets the front end upload a file with its checksum',
      says: [
        '< access-control-allow-headers: Content-Type',
        'Blocked at the preflight',
        'Chromium  HeaderDisallowedByPreflightResponse',
        'Request header field x-upload-checksum is not allowed by Access-Control-Allow-Headers in preflight response.',
        'Firefox   CORSMissingAllowHeaderFromPreflight',
        '(Reason: header ‘x-upload-checksum’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)',
      ],
    },
  },
  {
    dir: 'fastify-jest-cjs',
    command: (report) => [bin.jest, '--config', 'jest.config.cjs', '--json', `--outputFile=${report}`],
    read: fromJsonReport,
    tests: 5,
    broken: {
      test: 'lets the front end read who is signed in, with the session cookie',
      says: [
        'expected GET https://api.example.test/me from https://app.example.com to pass',
        'Chromium  InvalidAllowCredentials',
        "The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true'",
        'Firefox   CORSMissingAllowCredentials',
        '(Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’)',
      ],
    },
  },
  {
    dir: 'nextjs-route-vitest',
    command: (report) => [bin.vitest, 'run', '--reporter=json', `--outputFile=${report}`],
    read: fromJsonReport,
    tests: 5,
    broken: {
      test: 'lets the front end request a report with cookies',
      says: [
        'expected POST https://api.example.test/api/reports from https://app.example.com to pass',
        'OPTIONS https://api.example.test/api/reports',
        'Blocked at the preflight',
        'Chromium  PreflightMissingAllowOriginHeader',
        "Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present",
        'Firefox   CORSMissingAllowOrigin',
        '(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 204.',
      ],
    },
  },
];

/** Every example's suite and type-check, started now, side by side. */
const started = new Map(
  EXAMPLES.map((example) => {
    const cwd = join(examples, example.dir);
    const report = join(out, `${example.dir}.json`);
    const suite = node(example.command(report), cwd).then(async (run) => ({ run, report: await readFile(report, 'utf8').catch(() => '') }));
    return [example.dir, { suite, typecheck: node([bin.tsc, '-p', 'tsconfig.json'], cwd) }];
  }),
);

describe.each(EXAMPLES.map((e) => [e.dir, e] as const))('examples/testing/%s', (_dir, example) => {
  const { suite, typecheck } = started.get(example.dir) as { suite: Promise<{ run: Run; report: string }>; typecheck: Promise<Run> };

  it('passes every test but the broken route’s, which fails with its reason in both browsers', async () => {
    const { run, report } = await suite;
    expect(report, `no report from the runner:\n${run.output}`).not.toBe('');
    const results = example.read(report);
    expect(results.map((t) => t.fullName), run.output).toHaveLength(example.tests);
    const failed = results.filter((t) => t.status !== 'passed');
    expect(failed.map((t) => t.fullName), run.output).toEqual([expect.stringContaining(example.broken.test)]);
    const message = (failed[0] as TestResult).message;
    for (const line of example.broken.says) expect(message).toContain(line);
    expect(run.code, 'the runner exits 1: a test failed').toBe(1);
  });

  it('type-checks (its own tsconfig.json, against the built package’s declarations)', async () => {
    const run = await typecheck;
    expect(run.output).toBe('');
    expect(run.code).toBe(0);
  });
});
