import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Native indexes save and load only through files: round-trip a buffer through a private temp file. */
export function viaTempFile<T>(fn: (path: string) => T, contents?: Buffer): T {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-ann-'));
  const path = join(dir, 'index.bin');
  try {
    if (contents) writeFileSync(path, contents);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the file a native save wrote. */
export function readBack(path: string): Buffer {
  return readFileSync(path);
}

/** `[u32 header length][JSON header][payload]`: every serialised index starts with its own description. */
export function frame(header: object, payload: Buffer): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(h.length);
  return Buffer.concat([len, h, payload]);
}

/** Splits `frame` output. */
export function unframe<H>(buf: Buffer): { header: H; payload: Buffer } {
  const hlen = buf.readUInt32LE(0);
  return { header: JSON.parse(buf.subarray(4, 4 + hlen).toString()) as H, payload: buf.subarray(4 + hlen) };
}
