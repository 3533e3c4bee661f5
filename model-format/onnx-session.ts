/** Helpers shared by the serving wrappers of exported graphs (query tower, ranker). */
import type * as ort from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import type { Feed } from './feed.ts';
import type { GraphInfo } from './metadata.ts';

/** Checks that the graph's inputs and outputs are exactly those the metadata declares. */
export function checkSessionAgainst(session: ort.InferenceSession, info: GraphInfo, what: string): void {
  const want = info.inputs.map((i) => i.name).sort();
  const have = [...session.inputNames].sort();
  if (want.join() !== have.join()) throw new Error(`${what}: graph inputs [${have}] differ from metadata [${want}]`);
  const outs = info.outputs.map((o) => o.name);
  if (!outs.every((o) => session.outputNames.includes(o))) throw new Error(`${what}: graph lacks output(s) ${outs}`);
}

/** Turns a feed into onnxruntime tensors for the graph's declared inputs. */
export function toOrtFeed(feed: Feed, info: GraphInfo): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const i of info.inputs) {
    const t = feed[i.name];
    if (!t) throw new Error(`missing input '${i.name}'`);
    out[i.name] = new Tensor(i.kind === 'int' ? 'int32' : 'float32', t.data, t.shape);
  }
  return out;
}
