// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-control-regex': 'off',
    },
  },
  // CommonJS examples (examples/testing/fastify-jest-cjs): require() is how they load modules.
  {
    files: ['examples/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Functions short enough to read at once (data tables are values, not functions, and tests may run long).
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  // The layering, enforced: engine <- policy <- adapters; engine/policy <- doctor <- ui <- cli; the page
  // (src/site) over the engine and the doctor's pure modules. No arrow back,
  // and nothing under src/ reaches into test/.
  ...layer('src/engine/**/*.ts', ['../policy/*', '../adapters/*', '../doctor/*', '../testing/*', '../cli/*', '../demo/*', 'node:*', 'tldts', 'commander', 'picocolors', 'shell-quote'], 'the engine is pure: it imports nothing outside src/engine'),
  ...layer('src/policy/**/*.ts', ['../adapters/*', '../doctor/*', '../testing/*', '../cli/*', '../demo/*', 'node:*', 'commander', 'picocolors', 'shell-quote'], 'the policy is pure: it imports only the engine (and tldts)'),
  ...layer('src/adapters/**/*.ts', ['../doctor/*', '../testing/*', '../cli/*', '../demo/*'], 'adapters are thin layers over the policy'),
  ...layer('src/doctor/**/*.ts', ['../adapters/*', '../testing/*', '../cli/*', '../demo/*'], 'the doctor knows nothing of the CLI or the adapters'),
  ...layer('src/scan/**/*.ts', ['../adapters/*', '../testing/*', '../cli/*', '../demo/*'], 'the scanner plays the attacker over the engine, the probe table and the doctor; it knows no CLI or adapter'),
  ...layer('src/testing/**/*.ts', ['../adapters/*', '../cli/*', '../demo/*'], 'corsproof/testing plays the browser over the engine, the doctor and the probe table; it knows no adapter'),
  ...layer('src/ui/**/*.ts', ['../adapters/*', '../testing/*', '../cli/*', '../demo/*', '../scan/*', '../site/*'], "corsproof ui's server serves the page over the engine, the policy and the doctor; it knows no CLI"),
  ...layer('src/site/**/*.ts', ['../adapters/*', '../testing/*', '../cli/*', '../demo/*', '../scan/*', '../ui/server*', 'node:*', 'commander', 'picocolors', 'shell-quote'], 'the playground page runs in browsers: the engine and the pure parts of the doctor, no Node module'),
  // The playground page runs in browsers.
  {
    files: ['src/site/**/*.ts'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'sessionStorage', 'navigator', 'fetch', 'setTimeout', 'clearTimeout', 'atob', 'btoa', 'TextEncoder', 'TextDecoder', 'URLSearchParams', 'HTMLElement', 'Node', 'Document'].map((name) => [name, 'readonly']),
      ),
    },
  },
);

/**
 * One layer's import rule: `forbidden` module patterns (plus test/ for
 * everything under src/), with the reason in the message. Test files may
 * import their test tools.
 */
function layer(files, forbidden, why) {
  const patterns = [
    { group: forbidden, message: `${why} (ARCHITECTURE.md).` },
    { group: ['**/test/*', '../../test/**', '../../../test/**'], message: 'nothing under src/ imports from test/ (ARCHITECTURE.md).' },
  ];
  return [
    { files: [files], ignores: ['**/*.test.ts'], rules: { 'no-restricted-imports': ['error', { patterns }] } },
    { files: [files.replace('*.ts', '*.test.ts')], rules: { 'no-restricted-imports': ['error', { patterns: [patterns[0]] }] } },
  ];
}
