import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from './experiment.ts';
import { main } from './main.ts';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const err = new PassThrough();
  let errText = '';
  err.on('data', (d) => {
    errText += d.toString();
  });
  const code = await main(argv, { out: (t) => lines.push(t), err: err as unknown as NodeJS.WriteStream });
  return { code, out: lines.join('\n'), err: errText };
}

const dir = mkdtempSync(join(tmpdir(), 'foryou-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('foryou-train', () => {
  it('lists the commands with --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['data', 'train', 'release', 'eval', 'export', 'index', 'promote', 'list', 'rollback'])
      expect(r.out).toContain(`  ${c} `);
  });

  it("prints each command's options with --help", async () => {
    const r = await run(['promote', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--force');
    expect(r.out).toContain('--metadata <url>');
    expect((await run(['index', '--help'])).out).toContain('--backend <kind>');
  });

  it('rejects an unknown command and an unknown option with usage', async () => {
    expect((await run(['fly'])).code).toBe(2);
    const r = await run(['list', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bogus/);
  });

  it('lists every problem of a bad experiment file', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'name: Bad Name',
        'data:',
        '  source: synthetic',
        '  users: -5',
        'models:',
        '  - type: mf',
        '    factors: 0',
        '  - type: telepathy',
        'eval:',
        '  period: tomorrow',
      ].join('\n'),
    );
    const r = await run(['train', '--config', file, '--no-register']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is not a valid experiment');
    expect(r.err).toMatch(/- name: lower-case/);
    expect(r.err).toMatch(/- data\.users: /);
    expect(r.err).toMatch(/- models\.0\.factors: /);
    expect(r.err).toMatch(/- models\.1\.type: /);
    expect(r.err).toMatch(/- eval\.period: /);
  });

  it('reports a missing config file and a missing required option', async () => {
    expect((await run(['train', '--config', join(dir, 'nope.yaml')])).err).toMatch(
      /nope\.yaml is not a valid experiment:\n {2}- file not found/,
    );
    const r = await run(['train']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--config is required/);
  });

  it('accepts the shipped experiment files', async () => {
    const { readFileSync } = await import('node:fs');
    for (const f of ['quick', 'two-tower', 'ranker']) {
      const path = new URL(`../../experiments/${f}.yaml`, import.meta.url);
      expect(parseExperiment(readFileSync(path, 'utf8'), f).name).toBe(f);
    }
  });

  it('trains, registers, promotes and lists a small synthetic experiment', async () => {
    const file = join(dir, 'tiny.yaml');
    writeFileSync(
      file,
      [
        'name: tiny',
        'data:',
        '  source: synthetic',
        '  users: 200',
        '  videos: 150',
        '  examples: 4000',
        'models:',
        '  - type: most_popular',
        '  - type: logreg',
        '    epochs: 1',
      ].join('\n'),
    );
    const stores = ['--metadata', `sqlite://${join(dir, 'meta.db')}`, '--objects', `file://${join(dir, 'objects')}`];
    const t = await run(['train', '--config', file, '--out', join(dir, 'run'), ...stores]);
    expect(t.err).not.toMatch(/Error/);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/registered most_popular@\S+ \(candidate, gate metrics from validation\)/);
    expect(t.out).toMatch(/# Evaluation on synthetic\S* \(validation/);
    expect(t.out).not.toMatch(/\(test,/);
    expect((await run(['promote', '--name', 'logreg', ...stores])).out).toMatch(/is now production/);
    const l = await run(['list', '--json', ...stores]);
    const rows = JSON.parse(l.out) as { name: string; stage: string }[];
    expect(rows.map((r) => `${r.name}:${r.stage}`).sort()).toEqual(['logreg:production', 'most_popular:candidate']);
    const e = await run(['eval', '--config', file, '--stage', 'production', '--out', join(dir, 'eval'), ...stores]);
    expect(e.err).toMatch(/no production version of most_popular/);
  });

  it('releases: selects on validation, refits on train+val with the chosen settings, reports test once', async () => {
    const file = join(dir, 'release.yaml');
    writeFileSync(
      file,
      [
        'name: rel',
        'data:',
        '  source: synthetic',
        '  users: 200',
        '  videos: 150',
        '  examples: 4000',
        'models:',
        '  - type: decayed_popular',
      ].join('\n'),
    );
    const stores = ['--metadata', `sqlite://${join(dir, 'rel.db')}`, '--objects', `file://${join(dir, 'rel-objects')}`];
    const r = await run(['release', '--config', file, '--out', join(dir, 'rel'), ...stores]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\(validation, data/);
    expect(r.out).toMatch(/synthetic\S*\+refit \(test, data/);
    expect(r.out).toMatch(/registered decayed_popular@/);
    const l = JSON.parse((await run(['list', '--json', ...stores])).out) as {
      metadata?: { notes?: Record<string, unknown> };
    }[];
    expect(l).toHaveLength(1);
  });
});

describe('foryou-train index', () => {
  it('writes the serving ANN snapshot beside a registered model, where the feed reads it', async () => {
    const { openRegistry } = await import('../registry/open.ts');
    const { readIndexArtifact } = await import('../../retrieval/index-holder.ts');
    const metadata = `sqlite://${dir}/index.db`;
    const objects = `file://${dir}/index-objects`;
    const n = 300;
    const dims = 16;
    const { clusteredUnitVectors } = await import('../../retrieval/ann/synthetic-vectors.ts');
    const vectors = clusteredUnitVectors(n, dims, 0, 5);
    const ids = Array.from({ length: n }, (_, i) => `video-${i}`);
    const { registry, close } = await openRegistry({ metadataUrl: metadata, objectsUrl: objects });
    const rec = await registry.register({
      metadata: { name: 'two_tower', version: 'v1', family: 'two_tower' } as never,
      files: {
        'video_embeddings.f32': Buffer.from(vectors.buffer),
        'video_ids.json': Buffer.from(JSON.stringify(ids)),
      },
    });
    const r = await run([
      'index',
      '--name',
      'two_tower',
      '--backend',
      'hnswlib',
      '--metadata',
      metadata,
      '--objects',
      objects,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/recall@10 against brute force on 100 queries: (0\.9\d\d|1\.000)/);
    const snap = await readIndexArtifact(registry.objects, rec.artifactPrefix);
    await close();
    expect(snap?.version).toBe('two_tower@v1');
    expect(snap?.index.kind).toBe('hnswlib');
    expect(snap?.ids).toEqual(ids);
    expect(snap?.index.search(vectors.subarray(5 * dims, 6 * dims), 1).keys).toEqual([5]);
  });

  it('refuses an unknown backend with the list of known ones', async () => {
    const r = await run(['index', '--name', 'two_tower', '--backend', 'faiss']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/usearch, hnswlib/);
  });
});
