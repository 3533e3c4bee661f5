/**
 * Holds every test file to the tier its name claims (see vitest.config.ts). A unit test (`x.test.ts`)
 * may not import a service client or a helper that starts a service, start a server, run ffmpeg or a
 * browser, or read ../shared; the unit tier's setup file also refuses sockets and programs at run time,
 * which the last tests here check from inside the tier.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { importsOf, REPO_ROOT, sourceFiles } from './import-graph.ts';

const tierOf = (f: string) => /\.(int|browser|quality)\.test\.ts$/.exec(f)?.[1] ?? 'unit';
const tests = sourceFiles().filter((f) => f.endsWith('.test.ts'));
// This file spells out the patterns it looks for, so it is left out of its own scan.
const unitTests = tests.filter((f) => tierOf(f) === 'unit' && f !== 'core/testing/tiers.test.ts');

/** Packages that talk to a service or drive a browser. */
const SERVICE_PACKAGES = /^(pg|ioredis|kafkajs|bullmq|@aws-sdk\/.*|playwright-core|undici)$/;
/** Test helpers that open a service, a listening server, ffmpeg or Chromium. */
const SERVICE_HELPERS = [
  'core/testing/postgres.ts',
  'core/testing/redis.ts',
  'core/testing/kafka.server.ts',
  'core/testing/s3.server.ts',
  'platform/api/testing/live-app.ts',
  'platform/api/testing/server-process.ts',
  'platform/web/testing/chromium.ts',
  'platform/web/testing/real-app.ts',
  'platform/web/testing/hls-fixtures.ts',
];
/** Calls and names that mean a service, a server, ffmpeg or the real data, whatever they were imported through. */
const SERVICE_USES: [RegExp, string][] = [
  [/\.listen\(/, 'starts a server'],
  [/\b(makeClip|makeUploadClip|ffprobeJson|startNginx|uploadThroughApi|waitSettled)\b/, 'runs ffmpeg or nginx'],
  [/\bBACKEND_SETS\b|['"]scaled['"]|openMediaTestEnv\(\s*['"]s3['"]/, 'opens the scaled backends'],
  [/\bTEST_(PG|REDIS|S3|KAFKA)_URL\b|\b(testPostgresUrl|testRedisUrl)\(/, 'reaches a test service'],
  [/\.\.\/shared\b|FORYOU_KUAIRAND_DIR(?!\s*:\s*(dir|['"]\/nonexistent))/, 'reads ../shared'],
];

function violations(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const out: string[] = [];
  for (const spec of importsOf(text)) {
    if (SERVICE_PACKAGES.test(spec)) out.push(`imports ${spec}`);
    if (spec.startsWith('.') && SERVICE_HELPERS.some((h) => join(file, '..', spec) === h)) out.push(`imports ${spec}`);
  }
  for (const [re, what] of SERVICE_USES) if (re.test(text)) out.push(what);
  return out.map((v) => `${file}: ${v}`);
}

describe('test tiers', () => {
  it('finds the suite (so the rules below can fail)', () => {
    expect(unitTests.length).toBeGreaterThan(50);
    expect(tests.filter((f) => tierOf(f) === 'int').length).toBeGreaterThan(10);
    expect(violations('core/objects/object.s3.int.test.ts')).not.toEqual([]);
    expect(violations('platform/web/web.browser.test.ts')).not.toEqual([]);
  });

  it('keeps service clients, servers, ffmpeg, browsers and ../shared out of unit-tier tests (x.test.ts)', () => {
    expect(unitTests.flatMap(violations)).toEqual([]);
  });

  it('refuses a socket inside the unit tier', () => {
    expect(() => net.connect({ host: '127.0.0.1', port: 5432 })).toThrow(
      /unit tier: opens a socket to 127\.0\.0\.1:5432/,
    );
    expect(() => net.createServer().listen(0)).toThrow(/unit tier: listens/);
  });

  it('refuses ffmpeg, nginx and a browser inside the unit tier, and still runs node and git', async () => {
    expect(() => spawn('ffmpeg', ['-version'])).toThrow(/unit tier: starts ffmpeg/);
    await expect(promisify(execFile)('/usr/bin/chromium', ['--version'])).rejects.toThrow(/unit tier: starts/);
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', 'process.stdout.write("ok")']);
    expect(stdout).toBe('ok');
  });
});
