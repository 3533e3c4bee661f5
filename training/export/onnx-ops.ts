/** `Ops` implemented as ONNX node emission, so a forward pass written against `Ops` exports as a graph. */

import type { Params } from '../../model-format/weights.ts';
import type { Ops } from '../models/common/ops.ts';
import { encodeOnnx, ONNX_FLOAT, ONNX_INT32, type OnnxGraph, type OnnxNode, type OnnxValueInfo } from './onnx-proto.ts';

/** Opset 13: ReduceSum, Unsqueeze and Slice take their axes as inputs. */
const OPSET = 13;

/** Declares a graph input: int32 indices or float32 values; `'batch'` marks the symbolic batch dimension. */
export interface GraphInput {
  name: string;
  kind: 'int' | 'float';
  dims: (number | 'batch')[];
}

/** Builds one ONNX graph from a forward pass; only parameters the pass reads become initializers. */
export class OnnxBuilder implements Ops<string> {
  private readonly nodes: OnnxNode[] = [];
  private readonly graph: OnnxGraph;
  private readonly params: Params;
  private readonly declared = new Set<string>();
  private readonly constants = new Set<string>();
  private counter = 0;

  constructor(name: string, params: Params, inputs: readonly GraphInput[]) {
    this.params = params;
    this.graph = {
      name,
      nodes: this.nodes,
      initializers: [],
      inputs: inputs.map((i) => ({ name: i.name, type: i.kind === 'int' ? ONNX_INT32 : ONNX_FLOAT, dims: i.dims })),
      outputs: [],
      opset: OPSET,
    };
    for (const i of inputs) this.declared.add(i.name);
  }

  private op(opType: string, inputs: string[], attributes?: Record<string, number | number[]>): string {
    const out = `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ opType, inputs, outputs: [out], name: out, ...(attributes ? { attributes } : {}) });
    return out;
  }

  private int64(values: number[]): string {
    const name = `i64_${values.join('_').replaceAll('-', 'm')}`;
    if (!this.constants.has(name)) {
      this.constants.add(name);
      this.graph.initializers.push({
        name,
        dims: [values.length],
        type: 7,
        values: BigInt64Array.from(values, BigInt),
      });
    }
    return name;
  }

  param(name: string): string {
    if (!this.constants.has(name)) {
      const p = this.params.get(name);
      if (!p) throw new Error(`model has no parameter '${name}'`);
      this.constants.add(name);
      this.graph.initializers.push({ name, dims: p.shape, type: ONNX_FLOAT, values: p.values });
    }
    return name;
  }

  input(name: string): string {
    if (!this.declared.has(name)) throw new Error(`graph input '${name}' was not declared`);
    return name;
  }

  constant(name: string, values: Float32Array, shape: readonly number[]): string {
    const full = `const_${name}`;
    if (!this.constants.has(full)) {
      this.constants.add(full);
      this.graph.initializers.push({ name: full, dims: [...shape], type: ONNX_FLOAT, values });
    }
    return full;
  }

  gather = (table: string, idx: string) => this.op('Gather', [table, idx], { axis: 0 });
  matMul = (a: string, b: string) => this.op('MatMul', [a, b]);
  add = (a: string, b: string) => this.op('Add', [a, b]);
  sub = (a: string, b: string) => this.op('Sub', [a, b]);
  mul = (a: string, b: string) => this.op('Mul', [a, b]);
  div = (a: string, b: string) => this.op('Div', [a, b]);
  maximum = (a: string, b: string) => this.op('Max', [a, b]);
  minimum = (a: string, b: string) => this.op('Min', [a, b]);
  relu = (x: string) => this.op('Relu', [x]);
  sigmoid = (x: string) => this.op('Sigmoid', [x]);
  exp = (x: string) => this.op('Exp', [x]);
  sqrt = (x: string) => this.op('Sqrt', [x]);
  sum = (x: string, axis: number, keepDims: boolean) =>
    this.op('ReduceSum', [x, this.int64([axis])], { keepdims: keepDims ? 1 : 0 });
  concat = (xs: readonly string[], axis: number) => this.op('Concat', [...xs], { axis });
  reshape = (x: string, shape: readonly number[]) => this.op('Reshape', [x, this.int64([...shape])]);
  expandDims = (x: string, axis: number) => this.op('Unsqueeze', [x, this.int64([axis])]);
  sliceCols = (x: string, start: number, end: number) =>
    this.op('Slice', [x, this.int64([start]), this.int64([end]), this.int64([1])]);

  /** Names the graph's outputs (each float32 with the given dims) and serialises the model. */
  finish(
    outputs: readonly { value: string; name: string; dims: (number | 'batch')[] }[],
    docString?: string,
  ): Uint8Array {
    this.graph.outputs = outputs.map((o): OnnxValueInfo => ({ name: o.name, type: ONNX_FLOAT, dims: o.dims }));
    for (const o of outputs)
      this.nodes.push({ opType: 'Identity', inputs: [o.value], outputs: [o.name], name: `out_${o.name}` });
    return encodeOnnx({ ...this.graph, ...(docString ? { docString } : {}) });
  }
}
