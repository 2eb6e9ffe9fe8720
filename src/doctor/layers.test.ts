import { describe, expect, it } from 'vitest';
import { detectLayers, layerFindings } from './layers.js';

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
