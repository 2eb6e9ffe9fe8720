/**
 * The fix recipes, proven: for failing demo cases, the doctor's own recipe
 * (`recipesForReport`, as `corsproof check` prints it) is rendered, run for
 * real on loopback, and checked again with `check`: both browsers must allow
 * the same request, and a foreign origin must get no CORS headers.
 *
 * Run for real: the Node recipes (their frameworks from node_modules,
 * corsproof through the package's self-reference), Next.js (next build +
 * next start), Cloudflare Workers (workerd via Miniflare), the REST API
 * Lambda (behind a proxy-event stand-in), nginx, Caddy and Apache in front of
 * the failing demo server, Go rs/cors, Flask-CORS and django-cors-headers
 * (Debian's packages). Parsed and checked against the documented schema:
 * S3 and the API Gateway HTTP API. Parsed with the tree-sitter Java and C#
 * grammars: Spring and ASP.NET Core (no Spring jars, no .NET SDK here to run
 * them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CheckReport } from '../../src/doctor/check.js';
import { check } from '../../src/doctor/check.js';
import { recipesForReport } from '../../src/doctor/fixes.js';
import { RECIPES } from '../../src/doctor/recipes.js';
import { DEMO_CASES, DEMO_PAGE, startDemos, stopDemos } from '../../src/demo/servers.js';
import type { RunningDemo } from '../../src/demo/servers.js';
import type { ScenarioRequest } from '../../src/engine/types.js';
import { requireBuilt, stopAll } from './procs.js';
import { LAUNCHERS, appRouterForm, freshDir, startNextApp } from './stacks.js';
import { checkApiGatewayHttp, checkS3 } from './schemas.js';
import { stringLiterals, syntaxErrors } from './grammars.js';

const FOREIGN = 'https://evil.example';

/** A failing request: a demo case's request, sent to a demo server. */
interface FailingCase {
  label: string;
  /** The demo server that fails it. */
  server: string;
  request: Omit<ScenarioRequest, 'url'>;
}

function demo(id: string): (typeof DEMO_CASES)[number] {
  const found = DEMO_CASES.find((d) => d.id === id);
  if (found === undefined) throw new Error(`no demo case ${id}`);
  return found;
}

function demoCase(id: string): FailingCase {
  const d = demo(id);
  return { label: id, server: id, request: { origin: DEMO_PAGE, method: d.method, headers: d.headers, credentials: d.credentials } };
}

const fixedRequest = demo('fixed-with-corsproof');
/** Credentials (wildcard-credentials), a method (put-not-allowed), a header (authorization-not-allowed), and all three at once. */
const CASES: FailingCase[] = [
  demoCase('wildcard-credentials'),
  demoCase('put-not-allowed'),
  demoCase('authorization-not-allowed'),
  {
    label: 'PUT + Content-Type + Authorization + credentials against wildcard-credentials',
    server: 'wildcard-credentials',
    request: { origin: DEMO_PAGE, method: fixedRequest.method, headers: fixedRequest.headers, credentials: fixedRequest.credentials },
  },
];

let demos: RunningDemo[] = [];
const controls = new Map<string, { report: CheckReport; upstream: string }>();

beforeAll(async () => {
  requireBuilt();
  demos = await startDemos(DEMO_PAGE);
  for (const c of CASES) {
    const running = demos.find((r) => r.demo.id === c.server);
    if (running === undefined) throw new Error(`demo server ${c.server} did not start`);
    const report = await check({ ...c.request, url: running.url }, { timeoutMs: 5000 });
    controls.set(c.label, { report, upstream: new URL(running.url).origin });
  }
}, 60_000);

afterAll(async () => {
  await stopAll();
  await stopDemos(demos);
});

function control(c: FailingCase): { report: CheckReport; upstream: string } {
  const found = controls.get(c.label);
  if (found === undefined) throw new Error(`no control check for ${c.label}`);
  return found;
}

/** The doctor's recipe for this failing case and stack, exactly as `corsproof check --stack <id>` renders it. */
function rendered(c: FailingCase, id: string): string {
  const recipes = recipesForReport(control(c).report, id);
  expect(recipes.map((r) => r.id)).toEqual([id]);
  return (recipes[0] as { snippet: string }).snippet;
}

/** What a check saw, for failure messages. */
function describeReport(report: CheckReport): string {
  const ex = report.exchanges.map((e) => `${e.request.method} ${e.request.url} -> ${e.status}\n    ${e.headers.map(([n, v]) => `${n}: ${v}`).join('\n    ')}`);
  return `${report.verdict.chromium?.message ?? 'Chromium allows'} | ${report.verdict.firefox?.message ?? 'Firefox allows'}\n  ${ex.join('\n  ')}`;
}

/** Check the fixed endpoint: allowed in both browsers; a foreign origin gets no Access-Control-Allow-Origin. */
async function expectFixed(c: FailingCase, url: string): Promise<void> {
  const fixed = await check({ ...c.request, url }, { timeoutMs: 10_000 });
  expect(fixed.verdict.ok, describeReport(fixed)).toBe(true);
  expect(fixed.verdict.browsers.chromium.ok && fixed.verdict.browsers.firefox.ok).toBe(true);
  if (c.request.method === 'GET') expect(fixed.scenario.response.status, describeReport(fixed)).toBe(200);
  const foreign = await check({ ...c.request, url, origin: FOREIGN }, { timeoutMs: 10_000 });
  expect(foreign.verdict.ok, describeReport(foreign)).toBe(false);
  for (const ex of foreign.exchanges) {
    expect(ex.headers.filter(([n]) => n.toLowerCase() === 'access-control-allow-origin'), describeReport(foreign)).toEqual([]);
  }
}

describe.each(CASES)('negative control: $label', (c) => {
  it('the demo server fails the request in both browsers', () => {
    const { report } = control(c);
    expect(report.verdict.ok, describeReport(report)).toBe(false);
    expect(report.verdict.browsers.chromium.ok).toBe(false);
    expect(report.verdict.browsers.firefox.ok).toBe(false);
  });
});

describe('coverage', () => {
  it('every recipe is run, or parsed, or named as not covered', () => {
    const covered = new Set([...Object.keys(LAUNCHERS), 'nextjs', 's3', 'aws-apigw-http', 'spring', 'aspnet']);
    expect(RECIPES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});

describe.each(Object.keys(LAUNCHERS))('%s, run for real', (id) => {
  it.each(CASES)('fixes $label', async (c) => {
    const snippet = rendered(c, id);
    const launcher = LAUNCHERS[id];
    if (launcher === undefined) throw new Error(`no launcher for ${id}`);
    const dir = freshDir(id, c.label.replace(/[^a-z0-9-]+/gi, '_'));
    const launched = await launcher(snippet, { dir, upstream: control(c).upstream, upstreamPath: '/api/items' });
    try {
      await expectFixed(c, launched.url);
    } finally {
      await launched.stop();
    }
  });
});

describe.each(CASES)('Next.js, run for real (next build + next start): $label', (c) => {
  let app: { port: number; stop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    const dir = freshDir('nextjs', c.label.replace(/[^a-z0-9-]+/gi, '_'));
    app = await startNextApp(dir, rendered(c, 'nextjs'), appRouterForm(rendered(c, 'corsproof-fetch')));
  }, 300_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('the nextjs recipe (middleware.ts) fixes it', async () => {
    await expectFixed(c, `http://127.0.0.1:${app?.port}/api/hello`);
  });

  it("the corsproof-fetch recipe's App Router form (route.ts) fixes it", async () => {
    await expectFixed(c, `http://127.0.0.1:${app?.port}/corsproof/hello`);
  });
});

describe.each(CASES)('parsed and checked against the documented schema: $label', (c) => {
  const wanted = () => {
    const { report } = control(c);
    const acrh = report.verdict.browsers.chromium.preflights[0]?.headers.find(([n]) => n === 'Access-Control-Request-Headers')?.[1];
    return { origin: c.request.origin, method: c.request.method, headers: acrh ? acrh.split(',') : [], credentials: c.request.credentials === 'include' };
  };

  it('S3: the bucket CORS JSON', () => {
    expect(checkS3(JSON.parse(rendered(c, 's3')) as unknown, wanted())).toEqual([]);
  });

  it('API Gateway HTTP API: the CloudFormation YAML', () => {
    expect(checkApiGatewayHttp(parseYaml(rendered(c, 'aws-apigw-http')) as unknown, wanted())).toEqual([]);
  });
});

describe.each(CASES)('parsed with the Java and C# grammars (no JDK or .NET SDK to run them): $label', (c) => {
  it.each([
    ['spring', 'java'],
    ['aspnet', 'csharp'],
  ] as const)('%s: no syntax error, and it names the exact origin', async (id, language) => {
    const snippet = rendered(c, id);
    expect(await syntaxErrors(language, snippet)).toEqual([]);
    const literals = await stringLiterals(language, snippet);
    expect(literals).toContain(c.request.origin);
    expect(literals).not.toContain('*');
  });
});

describe('the grammar checks can fail', () => {
  it('a brace too few, a missing semicolon', async () => {
    const spring = RECIPES.find((r) => r.id === 'spring')?.render({ origins: [DEMO_PAGE], credentials: true, methods: ['GET'], allowedHeaders: [], exposedHeaders: [], maxAge: null }) ?? '';
    expect((await syntaxErrors('java', spring.replace(/}\s*$/, ''))).length).toBeGreaterThan(0);
    const aspnet = RECIPES.find((r) => r.id === 'aspnet')?.render({ origins: [DEMO_PAGE], credentials: true, methods: ['GET'], allowedHeaders: [], exposedHeaders: [], maxAge: null }) ?? '';
    expect((await syntaxErrors('csharp', aspnet.replace(/;/, ''))).length).toBeGreaterThan(0);
  });
});

describe('the schema checks can fail', () => {
  const wanted = { origin: DEMO_PAGE, method: 'PUT', headers: ['authorization'], credentials: true };
  it('S3: a wildcard origin, a method S3 does not take, an unknown key, a missing header', () => {
    expect(checkS3([{ AllowedOrigins: ['*'], AllowedMethods: ['PUT', 'PATCH'], AllowCredentials: true }], wanted)).toEqual([
      'rule 0.AllowedMethods: wrong type',
      'rule 0: unknown key AllowCredentials',
      'rule 0.AllowedOrigins: a wildcard origin',
      `rule 0.AllowedOrigins: expected exactly [${DEMO_PAGE}], got ["*"]`,
      'rule 0.AllowedHeaders: authorization is missing',
    ]);
  });
  it('API Gateway: a REST API, credentials off, another origin, a string MaxAge', () => {
    const template = {
      Resources: {
        Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'WEBSOCKET', CorsConfiguration: { AllowOrigins: ['https://other.example'], AllowMethods: ['GET'], AllowHeaders: ['Authorization'], MaxAge: '60' } } },
      },
    };
    expect(checkApiGatewayHttp(template, wanted)).toEqual([
      'Api.Properties.ProtocolType: expected HTTP (CorsConfiguration is for HTTP APIs only)',
      'Api.Properties.CorsConfiguration.MaxAge: wrong type',
      `Api.Properties.CorsConfiguration.AllowOrigins: expected exactly [${DEMO_PAGE}], got ["https://other.example"]`,
      'Api.Properties.CorsConfiguration.AllowCredentials: expected true',
      'Api.Properties.CorsConfiguration.AllowMethods: PUT is missing',
    ]);
  });
});
