/**
 * ANN benchmark: recall@100 against brute force and queries/s, per backend, on
 *  - clustered: 1M × 64 unit vectors from 1,000 Gaussian clusters (drawn like trained embeddings),
 *  - uniform:   unit vectors uniform on the sphere (the worst case for graph indexes),
 *  - real:      the exported two-tower video embeddings, when a trained model is present.
 * `--quick` shrinks the sets for CI. Writes bench/results/retrieval.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BruteForceIndex } from '../retrieval/ann/ann.brute-force.ts';
import { recallAgainst } from '../retrieval/ann/ann.contract.ts';
import { createAnnIndex } from '../retrieval/ann/open.ts';
import type { AnnIndex, AnnParams, AnnResult } from '../retrieval/ann/ports.ts';
import { clusteredUnitVectors } from '../retrieval/ann/synthetic-vectors.ts';
import { RESULTS_DIR } from './lib/results.ts';
import { argFlag, argValue, median, printTable, rssSampler, writeResults } from './report.ts';

const quick = argFlag('--quick');
const DIMS = 64;
const K = 100;
const N_MAIN = Number(argValue('--n') ?? (quick ? 50_000 : 1_000_000));
const N_HNSWLIB = Math.min(N_MAIN, quick ? 50_000 : 200_000);
const QUERIES = quick ? 100 : 200;
const params: Partial<AnnParams> = { connectivity: 16, expansionAdd: 96, expansionSearch: 160, threads: 2 };

interface Row {
  set: string;
  backend: string;
  n: number;
  build_s: number;
  recall_at_100: number;
  qps: number;
  qps_batch: number;
  qps_brute: number;
  speedup: number;
}

function timeQueries(index: AnnIndex, queries: Float32Array, rounds = 3): { results: AnnResult[]; qps: number } {
  const n = queries.length / DIMS;
  let results: AnnResult[] = [];
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    results = [];
    for (let q = 0; q < n; q++) results.push(index.search(queries.subarray(q * DIMS, (q + 1) * DIMS), K));
    times.push(performance.now() - t0);
  }
  return { results, qps: n / (median(times) / 1000) };
}

function timeBatch(index: AnnIndex, queries: Float32Array, rounds = 3): number {
  const n = queries.length / DIMS;
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    index.searchBatch(queries, K);
    times.push(performance.now() - t0);
  }
  return n / (median(times) / 1000);
}

function runSet(set: string, data: Float32Array, queries: Float32Array, backends: [string, number][]): Row[] {
  const rows: Row[] = [];
  for (const [backend, n] of backends) {
    const sub = data.subarray(0, n * DIMS);
    const keys = Array.from({ length: n }, (_, i) => i);
    const brute = new BruteForceIndex(DIMS, n);
    brute.add(keys, sub);
    const exact = timeQueries(brute, queries, 1);
    process.stderr.write(`  ${set}/${backend}: building ${n.toLocaleString()} × ${DIMS}…\n`);
    const t0 = performance.now();
    const index = createAnnIndex(backend as AnnIndex['kind'], DIMS, params);
    for (let off = 0; off < n; off += 50_000) {
      const end = Math.min(n, off + 50_000);
      index.add(keys.slice(off, end), sub.subarray(off * DIMS, end * DIMS));
    }
    const build = (performance.now() - t0) / 1000;
    const single = timeQueries(index, queries);
    rows.push({
      set,
      backend,
      n,
      build_s: round(build, 1),
      recall_at_100: round(recallAgainst(exact.results, single.results), 4),
      qps: Math.round(single.qps),
      qps_batch: Math.round(timeBatch(index, queries)),
      qps_brute: round(exact.qps, 1),
      speedup: round(single.qps / exact.qps, 1),
    });
  }
  return rows;
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

function splitDraw(n: number, q: number, clusters: number, seed: number) {
  const all = clusteredUnitVectors(n + q, DIMS, clusters, seed);
  return { data: all.subarray(0, n * DIMS), queries: all.slice(n * DIMS) };
}

const rss = rssSampler();
const rows: Row[] = [];
const sets = new Set((argValue('--sets') ?? 'clustered,uniform,real').split(','));
if (sets.has('clustered')) {
  const clustered = splitDraw(N_MAIN, QUERIES, 1000, 101);
  rows.push(
    ...runSet('clustered', clustered.data, clustered.queries, [
      ['usearch', N_MAIN],
      ['hnswlib', N_HNSWLIB],
    ]),
  );
}
if (sets.has('uniform')) {
  const nUniform = quick ? 20_000 : 200_000;
  const uniform = splitDraw(nUniform, QUERIES, 0, 202);
  rows.push(
    ...runSet('uniform', uniform.data, uniform.queries, [
      ['usearch', nUniform],
      ['hnswlib', nUniform],
    ]),
  );
}

const realPath = argValue('--embeddings') ?? 'artifacts/two_tower/video_embeddings.f32';
if (sets.has('real') && existsSync(realPath)) {
  const buf = readFileSync(realPath);
  const real = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const n = real.length / DIMS;
  const qIdx = Array.from({ length: Math.min(QUERIES, n) }, (_, i) => Math.floor((i * n) / QUERIES));
  const queries = new Float32Array(qIdx.length * DIMS);
  for (const [i, r] of qIdx.entries()) queries.set(real.subarray(r * DIMS, (r + 1) * DIMS), i * DIMS);
  rows.push(
    ...runSet('real', real, queries, [
      ['usearch', n],
      ['hnswlib', n],
    ]),
  );
}

printTable('ANN: recall@100 against brute force, queries/s (one query at a time; batch uses 2 threads)', rows);
// A run of some sets (--sets real) keeps the other sets' rows of the last full run.
const previousFile = join(RESULTS_DIR, 'retrieval.json');
const previous: Row[] =
  argValue('--sets') && existsSync(previousFile)
    ? ((JSON.parse(readFileSync(previousFile, 'utf8')) as { rows?: Row[] }).rows ?? [])
    : [];
const allRows = [...previous.filter((r) => !sets.has(r.set)), ...rows];
const main = allRows.find((r) => r.set === 'clustered' && r.backend === 'usearch');
writeResults('retrieval', {
  quick,
  dims: DIMS,
  k: K,
  params,
  recall_at_100: main?.recall_at_100,
  qps_ann: main?.qps,
  qps_brute: main?.qps_brute,
  speedup: main?.speedup,
  peak_rss_mb: rss.stop(),
  rows: allRows,
});
