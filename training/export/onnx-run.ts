/** Runs an ONNX graph on a backend-neutral feed with onnxruntime-node (tests and offline checks). */
import * as ort from 'onnxruntime-node';
import type { Feed } from '../../model-format/feed.ts';

/** Output tensors of one run, as flat float32 arrays by output name. */
export async function runOnnx(
  model: Uint8Array | string,
  feed: Feed,
  inputNames: readonly string[],
): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(model as Uint8Array);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const name of inputNames) {
      const t = feed[name];
      if (!t) throw new Error(`feed lacks input '${name}'`);
      inputs[name] = new ort.Tensor(t.data instanceof Int32Array ? 'int32' : 'float32', t.data, t.shape);
    }
    const out = await session.run(inputs);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await session.release();
  }
}
