import { BruteForceIndex } from './ann.brute-force.ts';
import { HnswlibIndex } from './ann.hnswlib.ts';
import { UsearchIndex } from './ann.usearch.ts';
import type { AnnIndex, AnnParams } from './ports.ts';

/** The ANN backends by name, as config and the training CLI spell them. */
export type AnnKind = AnnIndex['kind'];
export const ANN_KINDS: readonly AnnKind[] = ['brute-force', 'usearch', 'hnswlib'];

/** An empty index of the given backend. */
export function createAnnIndex(kind: AnnKind, dims: number, params: Partial<AnnParams> = {}): AnnIndex {
  switch (kind) {
    case 'brute-force':
      return new BruteForceIndex(dims);
    case 'usearch':
      return new UsearchIndex(dims, params);
    case 'hnswlib':
      return new HnswlibIndex(dims, params);
  }
}

/** Restores any `serialize()` output, recognising the backend from the file's own header. */
export function loadAnnIndex(buf: Buffer): AnnIndex {
  const hlen = buf.readUInt32LE(0);
  const magic = (JSON.parse(buf.subarray(4, 4 + hlen).toString()) as { magic?: string }).magic;
  switch (magic) {
    case 'FYBF1':
      return BruteForceIndex.deserialize(buf);
    case 'FYUS1':
      return UsearchIndex.deserialize(buf);
    case 'FYHN1':
      return HnswlibIndex.deserialize(buf);
    default:
      throw new Error(`ANN: unknown index format ${JSON.stringify(magic)}`);
  }
}
