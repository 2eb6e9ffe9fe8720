import { describe, expect, it } from 'vitest';
import { LAYER_NAMES, detectLayers, knownLayer, layerFindings } from './layers.js';

describe('detectLayers', () => {
  it.each([
    [[['Server', 'nginx/1.24.0']], ['nginx']],
    [[['Server', 'cloudflare'], ['CF-Ray', '8a1b-AMS']], ['Cloudflare']],
    [[['X-Amz-Cf-Id', 'abc'], ['Via', '1.1 x.cloudfront.net (CloudFront)'], ['Server', 'AmazonS3']], ['AWS CloudFront', 'proxy (1.1 x.cloudfront.net (CloudFront))', 'AWS S3']],
    [[['x-amzn-RequestId', 'r']], ['AWS API Gateway / Lambda']],
    [[['X-Vercel-Id', 'fra1::x']], ['Vercel']],
    [[['X-Powered-By', 'Express']], ['Express']],
    [[['Content-Type', 'text/plain']], []],
  ] as Array<[Array<[string, string]>, string[]]>)('%j', (headers, names) => {
    expect(detectLayers(headers).map((l) => l.name)).toEqual(names);
  });
});

describe('layerFindings', () => {
  it('flags a preflight and a response from different layers', () => {
    const f = layerFindings([
      { request: { method: 'OPTIONS' }, headers: [['Server', 'nginx']] },
      { request: { method: 'PUT' }, headers: [['X-Powered-By', 'Express']] },
    ]);
    expect(f.notes[0]).toContain('preflight: nginx; response: Express');
  });
  it('flags Access-Control-Allow-Origin set twice', () => {
    const f = layerFindings([
      { request: { method: 'GET' }, headers: [['Server', 'nginx'], ['X-Powered-By', 'Express'], ['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Origin', '*']] },
    ]);
    expect(f.notes[0]).toContain('sent 2 times and nginx and Express both answered');
  });
  it('says nothing when one layer answers everything once', () => {
    expect(layerFindings([{ request: { method: 'GET' }, headers: [['Server', 'nginx'], ['Access-Control-Allow-Origin', '*']] }]).notes).toEqual([]);
  });
});

describe('knownLayer', () => {
  it.each([
    ['Express', 'Express'],
    ['express', 'Express'],
    ['Werkzeug/3.0.1 Python/3.12', 'Werkzeug'],
    ['Spring Boot/3.2', 'Spring Boot'],
    ['ASP.NET Core (Kestrel)', 'ASP.NET Core (Kestrel)'],
    ['AWS API Gateway / Lambda', 'AWS API Gateway / Lambda'],
    ['  nginx ', 'nginx'],
    ['Expressive', null],
    ['PHP/8.2', null],
    ['proxy (1.1 varnish)', null],
    ['', null],
  ] as Array<[string, string | null]>)('%j → %j', (detected, known) => {
    expect(knownLayer(detected)).toBe(known);
  });
  it('recognises every name layer detection writes for a known mark', () => {
    const names = detectLayers([
      ['CF-Ray', 'x'],
      ['X-Amz-Cf-Id', 'x'],
      ['x-amzn-RequestId', 'x'],
      ['X-Amz-Apigw-Id', 'x'],
      ['X-Amz-Request-Id', 'x'],
      ['X-Vercel-Id', 'x'],
      ['X-Nf-Request-Id', 'x'],
      ['Fly-Request-Id', 'x'],
      ['X-Azure-Ref', 'x'],
      ['X-Served-By', 'cache-ams1'],
    ]).map((l) => l.name);
    expect(names).toHaveLength(10);
    for (const name of names) expect(LAYER_NAMES).toContain(knownLayer(name));
  });
});
