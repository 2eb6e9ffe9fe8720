/**
 * Which layer of the user's system answered: CDNs, proxies and frameworks
 * leave their marks in response headers. Used to say which layer produced a
 * wrong CORS header, and to flag a preflight and a response answered by
 * different layers, or Access-Control-Allow-Origin set by two layers.
 */
import type { HeaderList } from '../engine/types.js';

/** A layer that answered, and the header that shows it. */
export interface Layer {
  /** e.g. `Cloudflare`, `AWS CloudFront`, `nginx`, `Express`. */
  name: string;
  /** The header that gave it away, `Name: value`. */
  evidence: string;
}

/** One fingerprint: a header name (lowercase) and how to name the layer from its value. */
interface Fingerprint {
  header: string;
  name: (value: string) => string | null;
}

const FINGERPRINTS: readonly Fingerprint[] = [
  { header: 'cf-ray', name: () => 'Cloudflare' },
  { header: 'x-amz-cf-id', name: () => 'AWS CloudFront' },
  { header: 'x-amzn-requestid', name: () => 'AWS API Gateway / Lambda' },
  { header: 'x-amz-apigw-id', name: () => 'AWS API Gateway' },
  { header: 'x-amz-request-id', name: () => 'AWS S3' },
  { header: 'x-vercel-id', name: () => 'Vercel' },
  { header: 'x-nf-request-id', name: () => 'Netlify' },
  { header: 'fly-request-id', name: () => 'Fly.io' },
  { header: 'x-azure-ref', name: () => 'Azure Front Door' },
  { header: 'x-served-by', name: (v) => (/cache-/i.test(v) ? 'Fastly' : null) },
  { header: 'via', name: (v) => `proxy (${v.trim()})` },
  { header: 'server', name: (v) => serverName(v) },
  { header: 'x-powered-by', name: (v) => v.trim() || null },
];

function serverName(value: string): string | null {
  const v = value.trim();
  if (v === '') return null;
  const known: Array<[RegExp, string]> = [
    [/^nginx/i, 'nginx'],
    [/^apache/i, 'Apache httpd'],
    [/^caddy/i, 'Caddy'],
    [/^cloudflare/i, 'Cloudflare'],
    [/^AmazonS3/i, 'AWS S3'],
    [/^CloudFront/i, 'AWS CloudFront'],
    [/^Microsoft-IIS/i, 'IIS'],
    [/^Kestrel/i, 'ASP.NET Core (Kestrel)'],
    [/^gunicorn/i, 'gunicorn'],
    [/^uvicorn/i, 'uvicorn'],
    [/^envoy/i, 'Envoy'],
    [/^Vercel/i, 'Vercel'],
  ];
  for (const [re, name] of known) if (re.test(v)) return name;
  return v;
}

/** The layers a response shows, outermost first: CDN and platform marks, proxies, the server, the application framework. */
export function detectLayers(headers: HeaderList): Layer[] {
  const out: Layer[] = [];
  for (const f of FINGERPRINTS) {
    for (const [n, v] of headers) {
      if (n.toLowerCase() !== f.header) continue;
      const name = f.name(v);
      if (name !== null && !out.some((l) => l.name === name)) out.push({ name, evidence: `${n}: ${v}` });
    }
  }
  return out;
}

/** Findings about layers across the exchanges of one check. */
export interface LayerFindings {
  /** Layers per exchange, in order. */
  perExchange: Layer[][];
  /** Plain-words findings, e.g. the preflight and the response came from different layers. */
  notes: string[];
}

/** Compare the layers of the preflight and the response, and spot Access-Control-Allow-Origin set twice. */
export function layerFindings(exchanges: Array<{ request: { method: string }; headers: HeaderList }>): LayerFindings {
  const perExchange = exchanges.map((e) => detectLayers(e.headers));
  const notes: string[] = [];
  const preflightIndex = exchanges.findIndex((e) => e.request.method === 'OPTIONS');
  const last = exchanges.length - 1;
  if (preflightIndex >= 0 && preflightIndex !== last) {
    const a = (perExchange[preflightIndex] ?? []).map((l) => l.name).join(', ') || 'unknown';
    const b = (perExchange[last] ?? []).map((l) => l.name).join(', ') || 'unknown';
    if (a !== b) {
      notes.push(
        `The preflight and the response came from different layers (preflight: ${a}; response: ${b}). A layer in front often answers OPTIONS itself (or blocks it) before the application's CORS code runs: configure CORS in one place.`,
      );
    }
  }
  exchanges.forEach((e, i) => {
    const lines = e.headers.filter(([n]) => n.toLowerCase() === 'access-control-allow-origin');
    if (lines.length > 1) {
      const layers = (perExchange[i] ?? []).map((l) => l.name);
      notes.push(
        `Access-Control-Allow-Origin was sent ${lines.length} times${layers.length > 1 ? ` and ${layers.join(' and ')} both answered` : ''}: two layers (for example a proxy and the application) each add it. Keep it in one layer only.`,
      );
    }
  });
  return { perExchange, notes };
}
