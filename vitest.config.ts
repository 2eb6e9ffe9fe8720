import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/adapters/**/*.test.ts'],
        },
      },
      {
        test: {
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
