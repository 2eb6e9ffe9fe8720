/** Constants the adapter tests share; no Node imports, so edge workers can bundle them. */
export const APP = 'http://app.localhost:5173';
export const EVIL = 'https://evil.example';

/** The options every adapter is tested with. */
export const OPTIONS = { origin: [APP, 'https://*.example.com'], credentials: true, maxAge: 600, exposedHeaders: ['X-Total'] };
