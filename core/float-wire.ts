/**
 * Float32 arrays over JSON between a service and its remote client: base64 of the little-endian bytes,
 * a third the size of a number list and exact (no decimal round trip).
 */
export function floatsToWire(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

/** Decodes `floatsToWire`'s string; throws when the bytes are not whole floats. */
export function floatsFromWire(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength % 4 !== 0) throw new Error(`float wire: ${b.byteLength} bytes is not whole floats`);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
