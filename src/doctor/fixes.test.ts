import { describe, expect, it } from 'vitest';
import { evaluate } from '../engine/evaluate.js';
import type { Scenario } from '../engine/types.js';
import { recipesFor, recipesForReport, recipesToShow } from './fixes.js';
import { detectLayers, layerFindings } from './layers.js';

describe('recipesFor', () => {
  const ids = (names: string[]) => recipesFor(names).map((r) => r.id);

  it.each([
    [['Express'], ['corsproof-express', 'express-cors']],
    [['express'], ['corsproof-express', 'express-cors']],
    [['Next.js'], ['corsproof-fetch', 'nextjs']],
    [['Vercel'], ['corsproof-fetch', 'nextjs']],
    [['Netlify'], ['corsproof-fetch']],
    [['Cloudflare'], ['corsproof-fetch', 'cloudflare-workers']],
    [['nginx'], ['nginx']],
    [['Apache httpd'], ['apache']],
    [['Caddy'], ['caddy']],
    [['AWS API Gateway'], ['aws-apigw-http', 'aws-apigw-rest']],
    [['AWS API Gateway / Lambda'], ['aws-apigw-http', 'aws-apigw-rest']],
    [['AWS S3'], ['s3']],
    [['AWS CloudFront'], ['s3']],
    [['gunicorn'], ['django', 'flask']],
    [['uvicorn'], ['django', 'flask']],
    [['Werkzeug/3.0.1 Python/3.12'], ['flask']],
    [['WSGIServer/0.2 CPython/3.12'], ['django']],
    [['IIS'], ['aspnet']],
    [['ASP.NET'], ['aspnet']],
    [['ASP.NET Core (Kestrel)'], ['aspnet']],
    [['PHP/8.2'], []],
    [['Expressive'], []],
    [['proxy (1.1 varnish)'], []],
    [[], []],
  ] as Array<[string[], string[]]>)('%j → %j', (names, expected) => {
    expect(ids(names)).toEqual(expected);
  });

  it('follows the order of the layers given (the failing one first), then the order of RECIPES, each recipe once', () => {
    expect(ids(['nginx', 'Express', 'Next.js', 'Vercel'])).toEqual(['nginx', 'corsproof-express', 'express-cors', 'corsproof-fetch', 'nextjs']);
  });

  it('takes the names detectLayers gives', () => {
    const layers = detectLayers([
      ['Server', 'nginx/1.24.0'],
      ['X-Powered-By', 'Express'],
    ]);
    expect(ids(layers.map((l) => l.name))).toEqual(['nginx', 'corsproof-express', 'express-cors']);
  });
});

describe('recipesToShow', () => {
  const request = { url: 'https://api.example.com/items/7', origin: 'https://app.example.com', method: 'PUT', headers: [['Content-Type', 'application/json']] as Array<[string, string]>, credentials: 'include' as const };
  const good = [
    ['Access-Control-Allow-Origin', 'https://app.example.com'],
    ['Access-Control-Allow-Credentials', 'true'],
    ['Access-Control-Allow-Methods', 'PUT'],
    ['Access-Control-Allow-Headers', 'Content-Type'],
  ] as Array<[string, string]>;
  /** A report: the preflight answered by nginx, the response by Express. */
  const report = (preflightHeaders: Array<[string, string]>, responseHeaders: Array<[string, string]>) => {
    const scenario: Scenario = { request, preflight: { status: 204, headers: preflightHeaders }, response: { status: 200, headers: responseHeaders } };
    const layers = layerFindings([
      { request: { method: 'OPTIONS' }, headers: preflightHeaders },
      { request: { method: 'PUT' }, headers: responseHeaders },
    ]);
    return { scenario, verdict: evaluate(scenario), layers };
  };
  const nginx: Array<[string, string]> = [['Server', 'nginx/1.24.0']];
  const express: Array<[string, string]> = [['X-Powered-By', 'Express']];

  it('shows nothing when the browser allows the request and no stack is asked for', () => {
    const r = report([...nginx, ...good], [...express, ...good]);
    expect(r.verdict.ok).toBe(true);
    expect(recipesToShow(r)).toEqual([]);
    expect(recipesToShow({ ...r, verdict: null })).toEqual([]);
  });
  it('shows the stack asked for, whatever the verdict', () => {
    const r = report([...nginx, ...good], [...express, ...good]);
    expect(recipesToShow(r, 'caddy').map((x) => x.id)).toEqual(['caddy']);
  });
  it('puts the preflight layer first when the preflight failed', () => {
    const r = report(nginx, [...express, ...good]);
    expect(r.verdict.failedAt).toBe('preflight');
    expect(recipesToShow(r).map((x) => x.id)).toEqual(['nginx', 'corsproof-express', 'express-cors']);
  });
  it('puts the response layer first when the response failed', () => {
    const r = report([...nginx, ...good], express);
    expect(r.verdict.ok).toBe(false);
    expect(recipesToShow(r).map((x) => x.id)).toEqual(['corsproof-express', 'express-cors', 'nginx']);
  });
  it('renders each recipe for the request: its origin, credentials, method and the headers the preflight asked for', () => {
    const [nginxRecipe] = recipesForReport(report(nginx, express), 'nginx');
    expect(nginxRecipe?.snippet).toContain('https://app.example.com');
    expect(nginxRecipe?.snippet).toContain('Access-Control-Allow-Credentials');
    expect(nginxRecipe?.snippet).toContain('PUT');
    expect(nginxRecipe?.snippet).toContain('Content-Type');
  });
  it('leaves out a recipe that cannot express the request (S3 has no PATCH)', () => {
    const r = report([['Server', 'AmazonS3']], []);
    const patch = { ...r, scenario: { ...r.scenario, request: { ...request, method: 'PATCH' } } };
    expect(recipesForReport(patch, 's3')).toEqual([]);
  });
  it('throws on an unknown stack', () => {
    expect(() => recipesForReport(report(nginx, express), 'lighttpd')).toThrow(/No recipe 'lighttpd'/);
  });
});
