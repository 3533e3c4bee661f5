/** Reading and writing the files every exported model has: packed weights, manifest and metadata. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Params, packParams, unpackParams, type WeightEntry } from './weights.ts';

export const WEIGHTS_FILE = 'weights.bin';
export const MANIFEST_FILE = 'weights.json';
export const METADATA_FILE = 'metadata.json';
/** External user and video ids by dense index: `{ users: string[], videos: string[] }`. */
export const IDS_FILE = 'ids.json';

/** Writes `weights.bin` (float32 little-endian) and `weights.json` (name, shape, offset per tensor). */
export function writeWeights(dir: string, params: Params): void {
  mkdirSync(dir, { recursive: true });
  const { manifest, data } = packParams(params);
  writeFileSync(join(dir, WEIGHTS_FILE), data);
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest)}\n`);
}

/** Reads the weights written by `writeWeights`. */
export function readWeights(dir: string): Params {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as WeightEntry[];
  return unpackParams(manifest, readFileSync(join(dir, WEIGHTS_FILE)));
}

/** Writes a JSON file with a trailing newline. */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Float32 array as a little-endian file. */
export function writeF32(path: string, a: Float32Array): void {
  writeFileSync(path, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

/** Reads a little-endian float32 file, checking its length. */
export function readF32(path: string, expected?: number): Float32Array {
  const b = readFileSync(path);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  const a = new Float32Array(copy.buffer);
  if (expected !== undefined && a.length !== expected)
    throw new Error(`${path}: ${a.length} floats, expected ${expected}`);
  return a;
}

/** Every file of an export directory, by name (the CLI's registry stores artifacts as named buffers). */
export function readArtifactDir(dir: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

/** Exports into a temporary directory and returns its files; the directory is removed. */
export function exportToBuffers(write: (dir: string) => void): Record<string, Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-export-'));
  try {
    write(dir);
    return readArtifactDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
