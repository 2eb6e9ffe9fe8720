// Jest in its default CommonJS mode. `transform: {}`: the code is plain CommonJS, nothing for
// Babel to do. No moduleNameMapper: Jest's resolver follows package.json "exports", including
// a package's reference to itself, so require('corsproof/testing') here loads the repository's
// dist/cjs build, as it loads node_modules/corsproof in an app that installed it.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.test.cjs'],
  transform: {},
  // The attackers' test sends a few dozen requests, and a loaded CI machine is slow (default: 5 s).
  testTimeout: 30_000,
};
