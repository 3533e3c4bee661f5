import { describe, expect, it } from 'vitest';
import { initTf, tf } from './tf.ts';

describe('tfjs backend for training', () => {
  it('runs on wasm, where the embedding-gather gradient (UnsortedSegmentSum) sums rows per index', async () => {
    expect(await initTf()).toBe('wasm');
    const table = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const idx = tf.tensor2d([2, 0, 2, 2], [2, 2], 'int32');
    const weights = tf.tensor3d([1, 1, 2, 2, 3, 3, 4, 4], [2, 2, 2]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), weights)))(table);
    // Row 0 is gathered once (weight 2), row 1 never, row 2 three times (weights 1 + 3 + 4).
    expect(Array.from(grad.dataSync())).toEqual([2, 2, 0, 0, 8, 8]);
  });
});
