import { defineConfig } from 'vitest/config';

/**
 * Four tiers, chosen by file name (`core/testing/tiers.test.ts` holds each file to its tier):
 * - `x.test.ts`, unit: in-process only, no service, no socket, no ffmpeg, no ../shared data.
 * - `x.int.test.ts`, integration: PostgreSQL, Redis, Kafka, S3, ffmpeg, nginx, listening servers.
 * - `x.browser.test.ts`, browser: Debian's Chromium against a real app.
 * - `x.quality.test.ts`, quality: slow runs that train models or read ../shared.
 * `vitest run` runs all four; `--project unit` needs nothing running.
 */
const TIERS = ['int', 'browser', 'quality'] as const;
const tier = (name: (typeof TIERS)[number]) => `**/*.${name}.test.ts`;
const exclude = ['node_modules/**', 'data/**'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './core/testing/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, ...TIERS.map(tier)],
          setupFiles: ['./core/testing/unit-tier.setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [tier('int')],
          exclude,
          // The S3-compatible server and the Kafka-protocol broker only this tier talks to.
          globalSetup: ['./core/testing/global-setup.ts'],
        },
      },
      { extends: true, test: { name: 'browser', include: [tier('browser')], exclude } },
      { extends: true, test: { name: 'quality', include: [tier('quality')], exclude } },
    ],
  },
});
