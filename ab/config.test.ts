import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, experimentFileSchema, loadExperiments, parseWithPositions } from './config.ts';

const EXAMPLE = new URL('../experiments/ab/', import.meta.url).pathname;

describe('experiment files', () => {
  it('accepts the repository examples', () => {
    const { experiments, metrics } = loadExperiments(EXAMPLE);
    expect(experiments.map((e) => e.name)).toContain('fresh-boost');
    expect(metrics.watch_time_s?.kind).toBe('mean');
  });

  it('names the file, line, column and field of a bad value', () => {
    const text = [
      'name: x',
      'arms:',
      '  - name: control',
      '    weight: 1',
      '  - name: b',
      '    weight: -2',
      'metrics:',
      '  primary: m',
    ].join('\n');
    try {
      parseWithPositions(experimentFileSchema, text, 'x.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^x\.yaml:6:13 arms\.1\.weight: /)]);
    }
  });

  it('points at the parent of a missing field and reports YAML syntax errors with their place', () => {
    expect(() => parseWithPositions(experimentFileSchema, 'name: x\narms: []\n', 'y.yaml')).toThrow(
      /y\.yaml:1:1 metrics: /,
    );
    expect(() => parseWithPositions(experimentFileSchema, 'name: x\n  arms: [\n', 'z.yaml')).toThrow(
      /z\.yaml:\d+:\d+ YAML: /,
    );
  });

  it('refuses unknown fields, duplicate arms and metrics missing from the catalogue', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ab-config-'));
    writeFileSync(join(dir, 'metrics.yaml'), readFileSync(join(EXAMPLE, 'metrics.yaml')));
    writeFileSync(
      join(dir, 'dup.yaml'),
      'name: dup\ntrafic: 0.5\narms:\n  - { name: a, weight: 1 }\n  - { name: a, weight: 1 }\nmetrics: { primary: nope }\n',
    );
    try {
      loadExperiments(dir);
      expect.unreachable();
    } catch (err) {
      const p = (err as ConfigError).problems.join('\n');
      expect(p).toMatch(/dup\.yaml:\d+:\d+ .*trafic/);
      expect(p).toMatch(/arms\.1\.name: arm a twice/);
    }
  });
});

describe('npm run exp -- validate', () => {
  it('names the line and column of an override the feed cannot use', async () => {
    const { validate } = await import('../scripts/exp.ts');
    const root = new URL('../experiments/', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'ab-validate-'));
    const text = readFileSync(join(root, 'ab', 'fresh-boost.yaml'), 'utf8').replace('quota: 100', 'quota: "lots"');
    writeFileSync(join(dir, 'fresh-boost.yaml'), text);
    const line = text.split('\n').findIndex((l) => l.includes('"lots"')) + 1;
    const ctx = { dataDir: dir, eventsUrl: '', configDir: root, abDir: join(root, 'ab') };
    expect(() => validate(ctx, [join(dir, 'fresh-boost.yaml')])).toThrow(
      new RegExp(`fresh-boost\\.yaml:${line}:\\d+ arms\\.1\\.overrides\\.sources\\.fresh\\.quota: `),
    );
    expect(validate(ctx, []).map((e) => e.name)).toContain('fresh-boost');
  });
});
