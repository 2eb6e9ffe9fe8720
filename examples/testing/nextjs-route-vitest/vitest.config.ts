// This example's own Vitest project (the repository's vitest.config.ts does not include
// examples/). No Next.js build and no Next.js test environment: a route module is a set of
// functions from Request to Response, and expectCors.fetch(module) calls them the way
// Next.js routes a request to them.
import { defineConfig } from 'vitest/config';

// testTimeout: the attackers' test sends a few dozen requests, and a loaded CI machine is slow (default: 5 s).
export default defineConfig({ test: { name: 'nextjs-route-vitest', testTimeout: 30_000 } });
