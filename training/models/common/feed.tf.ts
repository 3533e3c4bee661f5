/** Feeds as tfjs tensors. */
import type { Feed } from '../../../model-format/feed.ts';
import { tf } from './tf.ts';

/** The feed as tfjs tensors (caller disposes, or wraps in `tf.tidy`). */
export function feedToTf(feed: Feed): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(feed))
    out[k] = tf.tensor(v.data, v.shape, v.data instanceof Int32Array ? 'int32' : 'float32');
  return out;
}
