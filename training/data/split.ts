import type { Example } from './schema.ts';

/** Split boundaries in epoch ms: train < validationStartMs <= validation < testStartMs <= test. */
export interface SplitBounds {
  validationStartMs: number;
  testStartMs: number;
}

/** The data README's split: midnight Beijing time of 2022-05-05 and 2022-05-07. */
export const KUAIRAND_SPLIT: SplitBounds = { validationStartMs: 1651680000000, testStartMs: 1651852800000 };

/** Partitions time-sorted examples by the bounds; each part stays time-sorted. */
export function splitByTime(
  examples: readonly Example[],
  bounds: SplitBounds,
): { train: Example[]; validation: Example[]; test: Example[] } {
  if (bounds.validationStartMs > bounds.testStartMs) {
    throw new Error(`split: validationStartMs ${bounds.validationStartMs} is after testStartMs ${bounds.testStartMs}`);
  }
  const train: Example[] = [];
  const validation: Example[] = [];
  const test: Example[] = [];
  for (const ex of examples) {
    if (ex.timeMs < bounds.validationStartMs) train.push(ex);
    else if (ex.timeMs < bounds.testStartMs) validation.push(ex);
    else test.push(ex);
  }
  return { train, validation, test };
}

/** Orders examples by (time, user, video) so every loader yields the same order for the same input. */
export function compareExamples(a: Example, b: Example): number {
  return a.timeMs - b.timeMs || a.user - b.user || a.video - b.video;
}

/**
 * The release refit: train = train + validation (time-sorted), validation empty, test unchanged.
 * Models fit on it with the hyper-parameters chosen on validation; the test days stay unseen.
 */
export function refitDataset<D extends { train: Example[]; validation: Example[]; test: Example[]; name: string }>(
  ds: D,
): D {
  return { ...ds, name: `${ds.name}+refit`, train: [...ds.train, ...ds.validation], validation: [] };
}
