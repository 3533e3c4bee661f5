/** `Ops` over eager tfjs tensors, for training and tfjs inference. */
import type { Ops } from './ops.ts';
import { tf } from './tf.ts';

/** Eager tfjs implementation over a parameter map and named inputs; call inside `tf.tidy`. */
export function tfOps(
  params: ReadonlyMap<string, tf.Tensor>,
  inputs: Readonly<Record<string, tf.Tensor>>,
): Ops<tf.Tensor> {
  return {
    param(name) {
      const p = params.get(name);
      if (!p) throw new Error(`model has no parameter '${name}'`);
      return p;
    },
    input(name) {
      const x = inputs[name];
      if (!x) throw new Error(`missing model input '${name}'`);
      return x;
    },
    constant: (_name, values, shape) => tf.tensor(values, [...shape], 'float32'),
    gather: (table, idx) => tf.gather(table, idx),
    matMul: (a, b) => tf.matMul(a, b),
    add: (a, b) => tf.add(a, b),
    sub: (a, b) => tf.sub(a, b),
    mul: (a, b) => tf.mul(a, b),
    div: (a, b) => tf.div(a, b),
    maximum: (a, b) => tf.maximum(a, b),
    minimum: (a, b) => tf.minimum(a, b),
    relu: (x) => tf.relu(x),
    sigmoid: (x) => tf.sigmoid(x),
    exp: (x) => tf.exp(x),
    sqrt: (x) => tf.sqrt(x),
    sum: (x, axis, keepDims) => tf.sum(x, axis, keepDims),
    concat: (xs, axis) => tf.concat([...xs], axis),
    reshape: (x, shape) => tf.reshape(x, [...shape]),
    expandDims: (x, axis) => tf.expandDims(x, axis),
    sliceCols: (x, start, end) => tf.slice(x, [0, start], [-1, end - start]),
  };
}
