/**
 * Which layer of the user's system answered: CDNs, proxies and frameworks
 * leave their marks in response headers. Used to say which layer produced a
 * wrong CORS header, and to flag a preflight and a response answered by
 * different layers, or Access-Control-Allow-Origin set by two layers.
 */
import type { HeaderList } from '../engine/types.js';

/**
 * Every layer corsproof recognises by name, as layer detection writes it.
 * The fix recipes say which of these they fit (`Recipe.layers` in
 * recipes.ts), so a name mistyped on either side fails the type check.
 */
export const LAYER_NAMES = [
  // CDNs and platforms, from their own response headers.
  'Cloudflare',
  'AWS CloudFront',
  'AWS API Gateway / Lambda',
  'AWS API Gateway',
  'AWS S3',
  'Vercel',
  'Netlify',
  'Fly.io',
  'Azure Front Door',
  'Fastly',
  // Servers and proxies, from Server.
  'nginx',
  'Apache httpd',
  'Caddy',
  'IIS',
  'ASP.NET Core (Kestrel)',
  'gunicorn',
  'uvicorn',
  'Envoy',
  // Named by the application itself (Server or X-Powered-By), often with a version after it.
  'Express',
  'Fastify',
  'Koa',
  'Hono',
  'Next.js',
  'Deno',
  'Bun',
  'Spring',
  'Spring Boot',
  'WSGIServer',
  'Django',
  'Werkzeug',
  'Flask',
  'Kestrel',
  'ASP.NET',
  'Go',
] as const;

/** A layer corsproof recognises by name (see {@link LAYER_NAMES}). */
export type LayerName = (typeof LAYER_NAMES)[number];

/**
 * The known layer a detected name is: equal ignoring case, or followed by a
 * version or details (`Werkzeug/3.0.1 Python/3.12` is Werkzeug, `Expressive`
 * is nothing); the longest such name wins. `null` for a layer corsproof
 * does not know (`PHP/8.2`, `proxy (1.1 varnish)`).
 */
export function knownLayer(detected: string): LayerName | null {
  const d = detected.trim().toLowerCase();
  let found: LayerName | null = null;
  for (const name of LAYER_NAMES) {
    const l = name.toLowerCase();
    const fits = d === l || d.startsWith(`${l}/`) || d.startsWith(`${l} `);
    if (fits && (found === null || name.length > found.length)) found = name;
  }
  return found;
}

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

/** A header only this layer sends. */
const marks =
  (layer: LayerName): (() => LayerName) =>
  () =>
    layer;

const FINGERPRINTS: readonly Fingerprint[] = [
  { header: 'cf-ray', name: marks('Cloudflare') },
  { header: 'x-amz-cf-id', name: marks('AWS CloudFront') },
  { header: 'x-amzn-requestid', name: marks('AWS API Gateway / Lambda') },
  { header: 'x-amz-apigw-id', name: marks('AWS API Gateway') },
  { header: 'x-amz-request-id', name: marks('AWS S3') },
  { header: 'x-vercel-id', name: marks('Vercel') },
  { header: 'x-nf-request-id', name: marks('Netlify') },
  { header: 'fly-request-id', name: marks('Fly.io') },
  { header: 'x-azure-ref', name: marks('Azure Front Door') },
  { header: 'x-served-by', name: (v): LayerName | null => (/cache-/i.test(v) ? 'Fastly' : null) },
  { header: 'via', name: (v) => `proxy (${v.trim()})` },
  { header: 'server', name: (v) => serverName(v) },
  { header: 'x-powered-by', name: (v) => v.trim() || null },
];

function serverName(value: string): string | null {
  const v = value.trim();
  if (v === '') return null;
  const known: Array<[RegExp, LayerName]> = [
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
