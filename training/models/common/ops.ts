/**
 * The few tensor operations our towers are written in, behind one interface with two implementations:
 * eager tfjs tensors for training and inference (`tfOps`), and ONNX graph nodes for export
 * (`training/export/onnx-ops.ts`). Writing each forward pass once against `Ops` is what keeps the
 * exported graphs equal to the trained model.
 */
/** Graph-building operations; `T` is a tensor (tfjs) or a value name (ONNX). */
export interface Ops<T> {
  /** A trained weight by name. */
  param(name: string): T;
  /** A model input by name (int32 indices or float32 values). */
  input(name: string): T;
  /** A fixed float tensor (normalisation statistics, epsilons). */
  constant(name: string, values: Float32Array, shape: readonly number[]): T;
  gather(table: T, indices: T): T;
  matMul(a: T, b: T): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  maximum(a: T, b: T): T;
  minimum(a: T, b: T): T;
  relu(x: T): T;
  sigmoid(x: T): T;
  exp(x: T): T;
  sqrt(x: T): T;
  sum(x: T, axis: number, keepDims: boolean): T;
  concat(xs: readonly T[], axis: number): T;
  reshape(x: T, shape: readonly number[]): T;
  expandDims(x: T, axis: number): T;
  /** Columns [start, end) of a 2-d tensor. */
  sliceCols(x: T, start: number, end: number): T;
}

const ONE = new Float32Array([1]);
const EPS = new Float32Array([1e-12]);

/** `x·W + b` with parameters `<prefix>.w` and `<prefix>.b`, optionally followed by ReLU. */
export function dense<T>(o: Ops<T>, x: T, prefix: string, relu: boolean): T {
  const y = o.add(o.matMul(x, o.param(`${prefix}.w`)), o.param(`${prefix}.b`));
  return relu ? o.relu(y) : y;
}

/** Rows scaled to unit L2 norm (an epsilon keeps all-zero rows finite). */
export function l2Normalize<T>(o: Ops<T>, x: T): T {
  const norm = o.sqrt(o.add(o.sum(o.mul(x, x), 1, true), o.constant('eps', EPS, [])));
  return o.div(x, norm);
}

/** Mean of the table rows named by `indices` [B, L], counting only positions where `mask` [B, L] is 1. */
export function maskedMean<T>(o: Ops<T>, table: T, indices: T, mask: T): T {
  const rows = o.mul(o.gather(table, indices), o.expandDims(mask, 2));
  const count = o.maximum(o.sum(mask, 1, true), o.constant('one', ONE, []));
  return o.div(o.sum(rows, 1, false), count);
}
