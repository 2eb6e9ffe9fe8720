import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SarifLog, SarifRuleInput } from './sarif.js';
import { FINGERPRINT_KEY, SARIF_SCHEMA, fileUri, findingFingerprint, sha256Hex, toSarif } from './sarif.js';
import type { Evidence, Finding, FindingId, Severity, TargetSource } from './types.js';

// The SARIF 2.1.0 JSON schema (draft-04) as @microsoft/jest-sarif ships it, validated with Ajv 6 (draft-04
// support), the way that package's own matcher does it.
const require = createRequire(import.meta.url);
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const sarifSchema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { id: string; $schema: string };
const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json') as object);
const validateSarif = ajv.compile(sarifSchema);

/** The schema's verdict on a log: the errors, as "path message" lines (empty when valid). */
function schemaErrors(log: unknown): string[] {
  return validateSarif(log) ? [] : (validateSarif.errors ?? []).map((error) => `${error.dataPath} ${error.message}`);
}

/** What the schema cannot check: each result's ruleIndex names a rule, and that rule is the result's ruleId. */
function referenceErrors(log: SarifLog): string[] {
  const run = log.runs[0];
  return run.results.flatMap((result, i) => {
    const rule = run.tool.driver.rules[result.ruleIndex];
    return rule?.id === result.ruleId ? [] : [`results[${i}]: ruleIndex ${result.ruleIndex} is not ${result.ruleId}`];
  });
}

const SEVERITIES: Severity[] = ['high', 'medium', 'low', 'info'];

const IDS: FindingId[] = [
  'reflects-any-origin', 'trusts-null', 'prefix-match', 'suffix-match', 'unescaped-dot', 'substring-match', 'special-characters',
  'trusts-http-origin', 'trusts-any-subdomain', 'trusts-third-party-host', 'wildcard', 'wildcard-with-credentials',
  'invalid-allow-origin', 'multiple-allow-origin', 'missing-vary-origin', 'preflight-reflects-methods', 'preflight-reflects-headers',
  'expose-wildcard-with-credentials',
];

/** A made-up severity table (the real one is the scanner's): every id, severities in turn, every other one with a help URI. */
const RULES: SarifRuleInput[] = IDS.map((id, i) => ({
  id,
  severity: SEVERITIES[i % 4]!,
  title: `Title of ${id}`,
  reason: `Why ${id} matters.`,
  ...(i % 2 === 0 ? { helpUri: `https://corsproof.example/rules/${id}` } : {}),
}));

const SOURCES: TargetSource[] = [
  { kind: 'argument', index: 0 },
  { kind: 'url-list', file: 'targets/urls.txt', line: 12 },
  { kind: 'openapi', file: 'api/openapi.yaml', line: 40, pointer: '/paths/~1items~1{id}/get' },
  { kind: 'har', file: 'captures/session.har', entry: 3 },
];

const evidence = (url: string, origin: string): Evidence => ({
  request: { method: 'GET', url, headers: [['origin', origin]] },
  response: { status: 200, headers: [['access-control-allow-origin', origin], ['access-control-allow-credentials', 'true']] },
});

/** One finding per source kind × severity (16), with rule ids, probes, evidence counts and cookies varied. */
const FINDINGS: Finding[] = SOURCES.flatMap((source, s) =>
  SEVERITIES.map((severity, v): Finding => {
    const url = `https://api.example/${source.kind}/${severity}?page=${s}`;
    const probe = v === 3 ? null : `https://evil${s}${v}.example`;
    return {
      url,
      method: v % 2 === 0 ? 'GET' : 'POST',
      id: IDS[(s * 4 + v) % IDS.length]!,
      severity,
      probe,
      message: `The response to ${probe ?? 'no Origin'} allows it.`,
      evidence: Array.from({ length: 1 + (v % 2) }, () => evidence(url, probe ?? 'null')),
      browsers: { chromium: v !== 2, firefox: s !== 1, webkit: v !== 1 },
      fix: 'Check the Origin against a list of exact origins.',
      recipe: s === 2 ? 'express' : null,
      layer: s === 2 ? 'Express' : null,
      ...(severity === 'high' ? { cookies: 'SameSite=None cookies ride along.' } : {}),
      source,
    };
  }),
);

const OPTIONS = { toolVersion: '0.1.0', rules: RULES };

describe('toSarif: the log validates against the SARIF 2.1.0 schema', () => {
  it('every source kind and severity, with targets and errors', () => {
    const log = toSarif(FINDINGS, {
      ...OPTIONS,
      targets: FINDINGS.map(({ url, source }) => ({ url, source })),
      errors: [{ url: 'https://down.example/', kind: 'timeout', message: 'no answer in 10 s' }],
    });
    expect(schemaErrors(log)).toEqual([]);
    expect(referenceErrors(log)).toEqual([]);
    expect(log.runs[0].results).toHaveLength(16);
  });

  it('as written by JSON.stringify (nothing undefined left behind), and with no findings', () => {
    const log = toSarif(FINDINGS, OPTIONS);
    const written = JSON.parse(JSON.stringify(log)) as unknown;
    expect(written).toEqual(log);
    expect(schemaErrors(written)).toEqual([]);
    const empty = toSarif([], OPTIONS);
    expect(schemaErrors(empty)).toEqual([]);
    expect(empty.runs[0].results).toEqual([]);
  });

  it('one finding per source kind and severity, one log each', () => {
    for (const finding of FINDINGS) expect(schemaErrors(toSarif([finding], OPTIONS)), `${finding.source.kind} ${finding.severity}`).toEqual([]);
  });

  describe('the validator can fail (negative controls)', () => {
    const broken = (edit: (log: SarifLog & { runs: [Record<string, unknown>] }) => void): unknown => {
      const log = JSON.parse(JSON.stringify(toSarif(FINDINGS, OPTIONS))) as SarifLog & { runs: [Record<string, unknown>] };
      edit(log);
      return log;
    };
    const result = (log: SarifLog): Record<string, unknown> => log.runs[0].results[0] as unknown as Record<string, unknown>;

    it.each([
      ['a result without a message', (log: SarifLog) => delete result(log).message, ".runs[0].results[0] should have required property 'message'"],
      ['a ruleIndex below -1', (log: SarifLog) => (result(log).ruleIndex = -2), '.runs[0].results[0].ruleIndex should be >= -1'],
      ['a level SARIF does not have', (log: SarifLog) => (result(log).level = 'critical'), '.runs[0].results[0].level should be equal to one of the allowed values'],
      ['a property results do not have', (log: SarifLog) => (result(log).severity = 'high'), 'should NOT have additional properties'],
      ['a fingerprint that is not a string', (log: SarifLog) => (result(log).partialFingerprints = { [FINGERPRINT_KEY]: 1 }), 'should be string'],
      ['an artifact URI that is no URI reference', (log: SarifLog) => (log.runs[0].results[0]!.locations[0]!.physicalLocation.artifactLocation.uri = 'a b'), 'should match format "uri-reference"'],
      ['another SARIF version', (log: SarifLog) => ((log as { version: string }).version = '2.0.0'), '.version should be equal to one of the allowed values'],
      ['a run without a tool', (log: SarifLog) => delete (log.runs[0] as Partial<SarifLog['runs'][0]>).tool, ".runs[0] should have required property 'tool'"],
    ])('%s', (_name, edit, error) => {
      const errors = schemaErrors(broken(edit));
      expect(errors.join('\n')).toContain(error);
    });

    it('a ruleIndex out of range passes the schema (JSON Schema cannot follow it), so the references are checked too', () => {
      const log = broken((l) => (result(l).ruleIndex = 99)) as SarifLog;
      expect(schemaErrors(log)).toEqual([]);
      expect(referenceErrors(log)).toEqual([`results[0]: ruleIndex 99 is not ${FINDINGS[0]!.id}`]);
      const swapped = broken((l) => (result(l).ruleIndex = 1)) as SarifLog;
      expect(referenceErrors(swapped)).toHaveLength(1);
    });
  });
});

describe('toSarif: the run', () => {
  const log = toSarif(FINDINGS, OPTIONS);
  const run = log.runs[0];

  it('$schema, version, one run, the driver', () => {
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.$schema).toBe(SARIF_SCHEMA);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver).toMatchObject({ name: 'corsproof', informationUri: 'https://github.com/corsproof/corsproof', version: '0.1.0' });
    expect(run.invocations).toBeUndefined();
    expect(run.artifacts).toBeUndefined();
  });

  it('one rule per finding id, in the order given: PascalCase name, descriptions, level and security-severity from its severity', () => {
    const rules = run.tool.driver.rules;
    expect(rules.map((rule) => rule.id)).toEqual(IDS);
    expect(rules[0]).toEqual({
      id: 'reflects-any-origin',
      name: 'ReflectsAnyOrigin',
      shortDescription: { text: 'Title of reflects-any-origin' },
      fullDescription: { text: 'Why reflects-any-origin matters.' },
      help: { text: 'Why reflects-any-origin matters.\n\nSee https://corsproof.example/rules/reflects-any-origin' },
      helpUri: 'https://corsproof.example/rules/reflects-any-origin',
      defaultConfiguration: { level: 'error' },
      properties: { 'security-severity': '8.0', tags: ['security', 'cors'] },
    });
    expect(rules[1]).not.toHaveProperty('helpUri');
    expect(rules[1]!.help).toEqual({ text: 'Why trusts-null matters.' });
    expect(rules.find((rule) => rule.id === 'expose-wildcard-with-credentials')!.name).toBe('ExposeWildcardWithCredentials');
    expect(rules.slice(0, 4).map((rule) => [rule.defaultConfiguration.level, rule.properties['security-severity']])).toEqual([
      ['error', '8.0'], // high
      ['warning', '5.0'], // medium
      ['note', '3.0'], // low
      ['note', '0.0'], // info
    ]);
  });

  it('one result per finding, in order; ruleId and ruleIndex name its rule; the level is the finding\'s own severity', () => {
    expect(run.results.map((result) => result.ruleId)).toEqual(FINDINGS.map((finding) => finding.id));
    expect(run.results.map((result) => result.level)).toEqual(FINDINGS.map((finding) => ({ high: 'error', medium: 'warning', low: 'note', info: 'note' })[finding.severity]));
    expect(referenceErrors(log)).toEqual([]);
    // A finding rated otherwise than its rule's default: the result keeps its own level.
    const lowered = toSarif([{ ...FINDINGS[0]!, id: 'reflects-any-origin', severity: 'low' }], OPTIONS).runs[0].results[0]!;
    expect(lowered).toMatchObject({ ruleId: 'reflects-any-origin', ruleIndex: 0, level: 'note' });
  });

  it('a result in full (a URL list\'s line): message and fix, location, fingerprint, properties', () => {
    const finding = FINDINGS[4]!;
    expect(run.results[4]).toEqual({
      ruleId: finding.id,
      ruleIndex: IDS.indexOf(finding.id),
      level: 'error',
      message: { text: 'The response to https://evil10.example allows it.\nFix: Check the Origin against a list of exact origins.' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'targets/urls.txt' }, region: { startLine: 12 } } }],
      partialFingerprints: { 'corsproofFinding/v1': createHash('sha256').update(JSON.stringify([finding.id, 'GET', 'https://api.example/url-list/high?page=1', 'https://evil10.example'])).digest('hex') },
      properties: {
        method: 'GET',
        url: 'https://api.example/url-list/high?page=1',
        probe: 'https://evil10.example',
        browsers: { chromium: true, firefox: false, webkit: true },
        evidenceCount: 1,
        recipe: null,
        layer: null,
        cookies: 'SameSite=None cookies ride along.',
      },
    });
  });

  it('properties: the probe (null without Origin), the three browsers, the evidence count, recipe and layer; cookies only when the finding has them', () => {
    run.results.forEach((result, i) => {
      const finding = FINDINGS[i]!;
      expect(result.properties).toMatchObject({ method: finding.method, url: finding.url, recipe: finding.recipe, layer: finding.layer });
      expect(result.properties.probe).toBe(finding.probe);
      expect(result.properties.browsers).toEqual(finding.browsers);
      expect(result.properties.evidenceCount).toBe(finding.evidence.length);
      expect('cookies' in result.properties).toBe(finding.cookies !== undefined);
    });
    expect(run.results.map((result) => result.properties.evidenceCount)).toContain(2);
    expect(run.results.map((result) => result.properties.probe)).toContain(null);
    expect(run.results.map((result) => result.properties.recipe)).toContain('express');
  });

  it('locations by source kind: the URL itself, the list\'s line, the OpenAPI line and pointer, the HAR entry', () => {
    const bySource = (kind: TargetSource['kind']) => run.results.filter((_result, i) => FINDINGS[i]!.source.kind === kind).map((result) => result.locations);
    for (const [i, locations] of bySource('argument').entries()) {
      expect(locations).toEqual([{ physicalLocation: { artifactLocation: { uri: FINDINGS[i]!.url } } }]);
    }
    for (const locations of bySource('url-list')) {
      expect(locations).toEqual([{ physicalLocation: { artifactLocation: { uri: 'targets/urls.txt' }, region: { startLine: 12 } } }]);
    }
    for (const locations of bySource('openapi')) {
      expect(locations).toEqual([
        {
          physicalLocation: { artifactLocation: { uri: 'api/openapi.yaml' }, region: { startLine: 40 } },
          logicalLocations: [{ fullyQualifiedName: '/paths/~1items~1{id}/get' }],
        },
      ]);
    }
    for (const locations of bySource('har')) {
      expect(locations).toEqual([{ physicalLocation: { artifactLocation: { uri: 'captures/session.har' } }, logicalLocations: [{ name: 'log.entries[3]' }] }]);
    }
  });
});

describe('toSarif: fingerprints', () => {
  const base = FINDINGS[0]!;
  const fingerprint = (finding: Finding): string => toSarif([finding], OPTIONS).runs[0].results[0]!.partialFingerprints[FINGERPRINT_KEY]!;

  it('the SHA-256 (hex) of id, method, URL and probe', () => {
    expect(FINGERPRINT_KEY).toBe('corsproofFinding/v1');
    for (const finding of FINDINGS) {
      expect(fingerprint(finding)).toBe(createHash('sha256').update(JSON.stringify([finding.id, finding.method, finding.url, finding.probe])).digest('hex'));
      expect(fingerprint(finding)).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(FINDINGS.map(fingerprint)).size).toBe(FINDINGS.length);
  });

  it('stable across runs: the message, fix, evidence, browsers, severity and source do not change it', () => {
    const reworded: Finding = { ...base, message: 'Other words.', fix: 'Another fix.', evidence: [], browsers: { chromium: false, firefox: false, webkit: false }, severity: 'info', source: SOURCES[3]! };
    expect(fingerprint(reworded)).toBe(fingerprint(base));
    expect(fingerprint({ ...base })).toBe(findingFingerprint(base));
  });

  it('each input changes it; a null probe is not the string "null"', () => {
    const variants: Finding[] = [
      { ...base, id: 'trusts-null' },
      { ...base, method: 'PUT' },
      { ...base, url: `${base.url}/` },
      { ...base, probe: 'https://other.example' },
      { ...base, probe: null },
      { ...base, probe: 'null' },
    ];
    expect(new Set([base, ...variants].map(fingerprint)).size).toBe(variants.length + 1);
  });

  it('sha256Hex (no node:crypto) agrees with node:crypto: the FIPS 180-4 examples, block edges, any string', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    const node = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
    for (let length = 0; length <= 200; length++) expect(sha256Hex('x'.repeat(length)), `length ${length}`).toBe(node('x'.repeat(length)));
    expect(sha256Hex('é😀\u2028'.repeat(1000))).toBe(node('é😀\u2028'.repeat(1000)));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => sha256Hex(text) === node(text)), { numRuns: 500 });
  });
});

describe('toSarif: invocations and artifacts', () => {
  it('no errors option: no invocation; an empty list: a successful one', () => {
    expect(toSarif(FINDINGS, OPTIONS).runs[0].invocations).toBeUndefined();
    expect(toSarif(FINDINGS, { ...OPTIONS, errors: [] }).runs[0].invocations).toEqual([{ executionSuccessful: true, toolExecutionNotifications: [] }]);
  });

  it('per-target errors: one error notification each, and executionSuccessful false unless told otherwise', () => {
    const errors = [
      { url: 'https://down.example/a', kind: 'timeout', message: 'no answer in 10 s' },
      { url: 'https://down.example/b', kind: 'tls', message: 'certificate has expired' },
    ];
    const log = toSarif([], { ...OPTIONS, errors });
    expect(log.runs[0].invocations).toEqual([
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          { level: 'error', message: { text: 'https://down.example/a: no answer in 10 s' }, descriptor: { id: 'timeout' }, properties: { url: 'https://down.example/a' } },
          { level: 'error', message: { text: 'https://down.example/b: certificate has expired' }, descriptor: { id: 'tls' }, properties: { url: 'https://down.example/b' } },
        ],
      },
    ]);
    expect(schemaErrors(log)).toEqual([]);
    expect(toSarif([], { ...OPTIONS, errors, executionSuccessful: true }).runs[0].invocations![0]!.executionSuccessful).toBe(true);
  });

  it('targets: each source file (or argument URL) once, as an analysis target', () => {
    const targets = [...FINDINGS, ...FINDINGS].map(({ url, source }) => ({ url, source }));
    const log = toSarif([], { ...OPTIONS, targets });
    expect(log.runs[0].artifacts).toEqual([
      ...FINDINGS.slice(0, 4).map((finding) => ({ location: { uri: finding.url }, roles: ['analysisTarget'] })),
      { location: { uri: 'targets/urls.txt' }, roles: ['analysisTarget'] },
      { location: { uri: 'api/openapi.yaml' }, roles: ['analysisTarget'] },
      { location: { uri: 'captures/session.har' }, roles: ['analysisTarget'] },
    ]);
    expect(schemaErrors(log)).toEqual([]);
  });
});

describe('toSarif: refusals and file URIs', () => {
  it('a finding whose id has no rule, or a rule listed twice, throws', () => {
    expect(() => toSarif(FINDINGS, { ...OPTIONS, rules: RULES.slice(1) })).toThrow('toSarif: no rule for the finding id reflects-any-origin');
    expect(() => toSarif([], { ...OPTIONS, rules: [...RULES, RULES[0]!] })).toThrow('toSarif: the rule reflects-any-origin is listed twice');
  });

  it.each([
    ['targets/urls.txt', 'targets/urls.txt'],
    ['./urls.txt', './urls.txt'],
    ['../shared/api.yaml', '../shared/api.yaml'],
    ['/home/ci/urls.txt', '/home/ci/urls.txt'],
    ['specs\\v2\\api.yaml', 'specs/v2/api.yaml'],
    ['my specs/api #2?.yaml', 'my%20specs/api%20%232%3F.yaml'],
    ['C:\\work\\urls.txt', 'file:///C:/work/urls.txt'],
    ['données/é.har', 'donn%C3%A9es/%C3%A9.har'],
  ])('%s → %s (and the log still validates)', (path, uri) => {
    expect(fileUri(path)).toBe(uri);
    const finding: Finding = { ...FINDINGS[4]!, source: { kind: 'url-list', file: path, line: 1 } };
    const log = toSarif([finding], OPTIONS);
    expect(log.runs[0].results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(uri);
    expect(schemaErrors(log)).toEqual([]);
  });
});
