/**
 * One place that picks the tfjs backend for training: `wasm` (SIMD, ~4× the JS `cpu` backend here),
 * with the one kernel our models need that the wasm backend lacks registered in plain JS.
 */

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

let ready: Promise<string> | undefined;

/**
 * `tf.gather`'s gradient is `UnsortedSegmentSum`, which has no wasm kernel in tfjs-backend-wasm 4.22:
 * without this every embedding table would need the slow `cpu` backend. Summing rows is memory-bound,
 * so a JS loop over the wasm heap is as fast as a native kernel would be.
 */
function registerUnsortedSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      // biome-ignore lint/suspicious/noExplicitAny: the wasm backend's class is not exported as a type
      const b = backend as any;
      const xs = b.readSync(x.dataId) as Float32Array;
      const ids = b.readSync(segmentIds.dataId) as Int32Array;
      const rows = segmentIds.shape.reduce((a, c) => a * c, 1);
      const width = rows === 0 ? 0 : xs.length / rows;
      const out = new Float32Array(numSegments * width);
      for (let r = 0; r < rows; r++) {
        const id = ids[r] as number;
        if (id < 0 || id >= numSegments) continue;
        const o = id * width;
        const s = r * width;
        for (let j = 0; j < width; j++) out[o + j] = (out[o + j] as number) + (xs[s + j] as number);
      }
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      return b.makeOutput(outShape, x.dtype, undefined, out) as tf.TensorInfo;
    },
  });
}

/** Initialises tfjs once (wasm, falling back to `cpu` if wasm cannot start) and returns the backend name. */
export function initTf(): Promise<string> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(`${dist}/`);
    registerUnsortedSegmentSum();
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend refused to start');
    } catch {
      await tf.setBackend('cpu');
    }
    await tf.ready();
    return tf.getBackend();
  })();
  return ready;
}
