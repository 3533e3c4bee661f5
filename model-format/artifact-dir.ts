import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ObjectStore } from '../core/objects/ports.ts';

/**
 * Copies every object under a model's artifact prefix into a fresh local directory, because the ONNX
 * loaders read files; returns the directory. Each version gets its own directory, so a swap never
 * reads a half-written one.
 */
export async function downloadArtifacts(objects: ObjectStore, prefix: string): Promise<string> {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const dir = mkdtempSync(join(tmpdir(), 'foryou-model-'));
  for (const key of await objects.list(base)) {
    const rel = key.slice(base.length);
    if (!rel || rel.split('/').includes('..')) continue;
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await objects.getBuffer(key));
  }
  return dir;
}
