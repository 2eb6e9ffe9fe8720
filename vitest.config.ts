import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two test files at a time (Vitest's default here is one: CPUs - 1 on this 2-core machine). Most suites
    // wait on child processes, loopback servers or browsers, so two overlap well: 627 s instead of 726 s
    // for the whole run, measured on a fresh clone. Projects marked singleFork still run their files in turn.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/testing/**/*.test.ts'],
          // The CLI tests start the built binary several times per test; npm test runs every project at
          // once on two cores, so a test that takes 2 s alone can take 10 s there. Not a timing assertion.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          // The package as users install it: npm pack, offline installs into clean CommonJS and ESM
          // projects, tsc in each module mode, attw. Child processes, so its own project and timeouts.
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 2 * 60 * 1000,
          hookTimeout: 2 * 60 * 1000,
        },
      },
      {
        test: {
          // examples/testing/*: each example's own runner (Vitest, node:test, Jest) and tsc as
          // child processes, all started at once; against dist/, so after the build.
          name: 'examples',
          include: ['test/examples/**/*.test.ts'],
          testTimeout: 3 * 60 * 1000,
          hookTimeout: 3 * 60 * 1000,
        },
      },
      {
        test: {
          // The fix recipes run for real (Node frameworks, Next.js, nginx, Caddy, Apache, Go, Flask,
          // Django, workerd): many child processes, in its one file (not singleFork: Vitest would hold it
          // back until every other forks file had finished).
          name: 'recipes',
          include: ['test/recipes/**/*.test.ts'],
          testTimeout: 5 * 60 * 1000,
          hookTimeout: 5 * 60 * 1000,
        },
      },
      {
        test: {
          // The scanner's zoo on loopback (Node frameworks in process, Debian's nginx), proven with plain
          // requests, then the built CLI's `scan --json` against every server (after the build).
          name: 'scan',
          include: ['test/scan/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // One file at a time: the browsers take the machine. (In a worker thread instead, to start with
          // the unit files, Vitest's RPC from the thread timed out under the load: "Timeout calling
          // onTaskUpdate".)
          name: 'browsers',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 30 * 60 * 1000,
          hookTimeout: 5 * 60 * 1000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
