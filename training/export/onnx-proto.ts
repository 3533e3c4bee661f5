/**
 * A minimal ONNX ModelProto writer: just the protobuf fields our graphs use (nodes with int/float/ints
 * attributes, float and int64 initializers as raw data, typed inputs and outputs). Field numbers follow
 * onnx/onnx.proto; writing them by hand avoids a protobuf dependency for ~100 lines.
 */

/** ONNX tensor element types we emit. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;

/** One graph node. */
export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, number | number[]>;
  /** Attributes that must be written as floats even when integral. */
  floatAttributes?: Record<string, number>;
}

/** A constant tensor of the graph. */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  type: typeof ONNX_FLOAT | typeof ONNX_INT64;
  values: Float32Array | BigInt64Array;
}

/** A graph input or output; `null` dims are symbolic (the batch). */
export interface OnnxValueInfo {
  name: string;
  type: number;
  dims: (number | string)[];
}

/** A whole model: one graph in the default domain at one opset. */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  opset: number;
  docString?: string;
}

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      out.push(byte);
    } while (n > 0n);
    this.push(Uint8Array.from(out));
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }
  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
  }
  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }
  message(field: number, build: (w: Writer) => void): void {
    const w = new Writer();
    build(w);
    this.bytes(field, w.finish());
  }
  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function valueInfo(w: Writer, field: number, v: OnnxValueInfo): void {
  w.message(field, (vi) => {
    vi.string(1, v.name);
    vi.message(2, (tp) =>
      tp.message(1, (tt) => {
        tt.int(1, v.type);
        tt.message(2, (shape) => {
          for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        });
      }),
    );
  });
}

function node(w: Writer, n: OnnxNode): void {
  w.message(1, (nw) => {
    for (const i of n.inputs) nw.string(1, i);
    for (const o of n.outputs) nw.string(2, o);
    nw.string(3, n.name);
    nw.string(4, n.opType);
    for (const [name, v] of Object.entries(n.attributes ?? {})) {
      nw.message(5, (a) => {
        a.string(1, name);
        if (Array.isArray(v)) {
          for (const x of v) a.int(8, x);
          a.int(20, 7); // INTS
        } else {
          a.int(3, v);
          a.int(20, 2); // INT
        }
      });
    }
    for (const [name, v] of Object.entries(n.floatAttributes ?? {})) {
      nw.message(5, (a) => {
        a.string(1, name);
        a.float(2, v);
        a.int(20, 1); // FLOAT
      });
    }
  });
}

/** Serialises the graph as an ONNX ModelProto (IR version 8). */
export function encodeOnnx(g: OnnxGraph): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, 'foryou');
  w.message(7, (gw) => {
    for (const n of g.nodes) node(gw, n);
    gw.string(2, g.name);
    for (const t of g.initializers) {
      gw.message(5, (tw) => {
        for (const d of t.dims) tw.int(1, d);
        tw.int(2, t.type);
        tw.string(8, t.name);
        tw.bytes(9, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
      });
    }
    for (const i of g.inputs) valueInfo(gw, 11, i);
    for (const o of g.outputs) valueInfo(gw, 12, o);
  });
  w.message(8, (op) => {
    op.string(1, '');
    op.int(2, g.opset);
  });
  if (g.docString) w.string(6, g.docString);
  return w.finish();
}
