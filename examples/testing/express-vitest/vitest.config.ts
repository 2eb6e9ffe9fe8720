// This example's own Vitest project (so the repository's vitest.config.ts, whose projects do
// not include examples/, is not the one used). Nothing else to configure: 'corsproof/testing'
// resolves to the repository's build through package self-reference.
import { defineConfig } from 'vitest/config';

// testTimeout: the attackers' test sends a few dozen requests, and a loaded CI machine is slow (default: 5 s).
export default defineConfig({ test: { name: 'express-vitest', testTimeout: 30_000 } });
