import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import {
  access,
  constants,
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { type Clock, systemClock } from '../clock.ts';
import { AppError } from '../errors/registry.ts';
import { pathFromUrl } from '../open-by-url.ts';
import { signObjectUrl } from './object.signature.ts';
import type { ByteRange, ObjectInfo, ObjectStore, SignedUrl } from './ports.ts';
import { checkRange, checkSignedUrlOptions, sortKeys, validateObjectKey, validateObjectPrefix } from './validate.ts';

export { verifyObjectSignature } from './object.signature.ts';

/** What the file store needs besides its directory: where clients reach the objects route, and its HMAC key. */
export interface FileObjectStoreOptions {
  /** Base URL of our own API, e.g. `http://127.0.0.1:8080`; signed URLs point at `<base>/objects/<key>`. */
  publicBaseUrl: string;
  /** HMAC-SHA256 key shared with the objects route. */
  secret: string;
  clock?: Clock;
}

/** The sidecar kept per object at `.meta/<key>`, mirroring the data tree so both conflict alike; `ino`/`size`/`mtimeMs` tie it to the exact data file it describes. */
interface Sidecar {
  contentType: string;
  etag: string;
  size: number;
  ino: number;
  mtimeMs: number;
}

const META_DIR = '.meta';
const TMP_DIR = '.tmp';
const DEFAULT_TYPE = 'application/octet-stream';

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off)).bytesWritten;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `body` to a fresh temp file, fsynced; returns its size and MD5 (S3's single-part ETag). */
async function writeTemp(path: string, body: Buffer | Readable): Promise<{ size: number; etag: string }> {
  const hash = createHash('md5');
  let size = 0;
  const fh = await open(path, 'wx');
  try {
    const chunks: AsyncIterable<Buffer | string> | Buffer[] = Buffer.isBuffer(body) ? [body] : body;
    for await (const chunk of chunks) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      hash.update(buf);
      size += buf.length;
      await writeAll(fh, buf);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { size, etag: hash.digest('hex') };
}

/**
 * Objects as plain files under one directory (`<root>/<key>`), readable by operators and other tools.
 * Each put writes a temp file, fsyncs, then renames it into place, so readers never see a partial object.
 * Content type and ETag live in a sidecar under `<root>/.meta`.
 * @remarks A key cannot be both an object and a folder of other objects (`a` and `a/b`): such a put is refused.
 */
export class FileObjectStore implements ObjectStore {
  readonly kind = 'file' as const;
  readonly root: string;
  readonly #publicBaseUrl: string;
  readonly #secret: string;
  readonly #clock: Clock;

  constructor(root: string, opts: FileObjectStoreOptions) {
    this.root = resolve(root);
    this.#publicBaseUrl = opts.publicBaseUrl;
    this.#secret = opts.secret;
    this.#clock = opts.clock ?? systemClock;
  }

  #dataPath(key: string): string {
    return join(this.root, key);
  }

  #metaPath(key: string): string {
    return join(this.root, META_DIR, key);
  }

  async put(key: string, body: Buffer | Readable, opts?: { contentType?: string }): Promise<ObjectInfo> {
    validateObjectKey(key);
    const contentType = opts?.contentType || DEFAULT_TYPE;
    const tmpData = join(this.root, TMP_DIR, `${randomUUID()}.data`);
    const tmpMeta = join(this.root, TMP_DIR, `${randomUUID()}.json`);
    try {
      const { size, etag } = await writeTemp(tmpData, body);
      const st = await stat(tmpData);
      const meta: Sidecar = { contentType, etag, size, ino: st.ino, mtimeMs: st.mtimeMs };
      await writeTemp(tmpMeta, Buffer.from(JSON.stringify(meta)));
      // Data first, then its sidecar: a reader in between sees a sidecar for another inode and waits.
      await this.#moveIntoPlace(key, tmpData, this.#dataPath(key));
      await this.#moveIntoPlace(key, tmpMeta, this.#metaPath(key));
      return { key, size, contentType, etag, lastModified: Math.floor(st.mtimeMs) };
    } finally {
      // Temp files already moved into place are gone: nothing to remove is the usual case, not a failure.
      await unlink(tmpData).catch(() => {});
      await unlink(tmpMeta).catch(() => {});
    }
  }

  async #moveIntoPlace(key: string, from: string, to: string): Promise<void> {
    // A concurrent delete may prune the empty parent folder between mkdir and rename: retry then.
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dirname(to), { recursive: true });
        await rename(from, to);
        await fsyncDir(dirname(to));
        return;
      } catch (e) {
        const code = errCode(e);
        if (code === 'ENOENT' && attempt < 3) continue;
        if (code === 'ENOTDIR' || code === 'EEXIST') {
          throw new AppError('VALIDATION_FAILED', `Object key "${key}" is under a path that is itself an object`);
        }
        if (code === 'EISDIR' || code === 'ENOTEMPTY') {
          throw new AppError('VALIDATION_FAILED', `Object key "${key}" is already a folder of other objects`);
        }
        throw e;
      }
    }
  }

  /** Info for the data file whose stat is `st`, from its sidecar when the sidecar describes that very file. */
  async #info(key: string, st: { ino: number; size: number; mtimeMs: number }, path: string): Promise<ObjectInfo> {
    const base = { key, size: st.size, lastModified: Math.floor(st.mtimeMs) };
    for (let attempt = 0; attempt < 20; attempt++) {
      const meta = await this.#readSidecar(key);
      if (meta && meta.ino === st.ino && meta.size === st.size && meta.mtimeMs === st.mtimeMs) {
        return { ...base, contentType: meta.contentType, etag: meta.etag };
      }
      if (!meta) break;
      // A put is between its two renames; its sidecar lands within moments.
      await new Promise((r) => setTimeout(r, 5));
    }
    // No matching sidecar (a file copied in by hand, or a crash mid-put): derive what we can.
    const hash = createHash('md5');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const etag = hash.digest('hex');
    const meta = await this.#readSidecar(key);
    return { ...base, contentType: meta?.contentType ?? DEFAULT_TYPE, etag };
  }

  async #readSidecar(key: string): Promise<Sidecar | undefined> {
    try {
      return JSON.parse(await readFile(this.#metaPath(key), 'utf8')) as Sidecar;
    } catch {
      return undefined;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    validateObjectKey(key);
    const path = this.#dataPath(key);
    try {
      const st = await stat(path);
      return st.isFile() ? await this.#info(key, st, path) : undefined;
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  async get(key: string, range?: ByteRange): Promise<{ info: ObjectInfo; body: Readable }> {
    validateObjectKey(key);
    const path = this.#dataPath(key);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') throw notFound(key);
      throw e;
    }
    try {
      // Stat the open handle: the stream then reads exactly the version described, even if overwritten meanwhile.
      const st = await fh.stat();
      if (!st.isFile()) throw notFound(key);
      const info = await this.#info(key, st, path);
      if (range) checkRange(range, info.size);
      const body = fh.createReadStream(range ? { start: range.start, end: range.end } : {});
      return { info, body };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    return buffer((await this.get(key)).body);
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key);
    for (const path of [this.#dataPath(key), this.#metaPath(key)]) {
      try {
        await unlink(path);
      } catch (e) {
        if (!['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errCode(e) ?? '')) throw e;
      }
    }
    await this.#pruneEmpty(dirname(this.#dataPath(key)), this.root);
    await this.#pruneEmpty(dirname(this.#metaPath(key)), join(this.root, META_DIR));
  }

  /** Removes now-empty folders up to `stop`, so deleted keys leave no folders that block a later put. */
  async #pruneEmpty(dir: string, stop: string): Promise<void> {
    while (dir !== stop && dir.startsWith(stop + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }

  async list(prefix: string): Promise<string[]> {
    validateObjectPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? this.root : join(this.root, prefix.slice(0, slash));
    let entries: Dirent[];
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return [];
      throw e;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (key.startsWith(`${META_DIR}/`) || key.startsWith(`${TMP_DIR}/`)) continue;
      if (key.startsWith(prefix)) keys.push(key);
    }
    return sortKeys(keys);
  }

  async signedUpload(
    key: string,
    opts: { expiresInS: number; contentType: string; maxBytes: number },
  ): Promise<SignedUrl> {
    validateObjectKey(key);
    checkSignedUrlOptions(opts);
    const exp = Math.ceil(this.#clock.now() / 1000) + opts.expiresInS;
    const grant = { op: 'put' as const, key, exp, max: opts.maxBytes, ct: opts.contentType };
    const url = signObjectUrl(this.#publicBaseUrl, this.#secret, grant);
    return { url, method: 'PUT', headers: { 'Content-Type': opts.contentType }, expiresAt: exp * 1000 };
  }

  async signedDownload(key: string, opts: { expiresInS: number }): Promise<SignedUrl> {
    validateObjectKey(key);
    checkSignedUrlOptions(opts);
    const exp = Math.ceil(this.#clock.now() / 1000) + opts.expiresInS;
    const url = signObjectUrl(this.#publicBaseUrl, this.#secret, { op: 'get', key, exp });
    return { url, method: 'GET', headers: {}, expiresAt: exp * 1000 };
  }

  async ping(): Promise<void> {
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  async close(): Promise<void> {}
}

function notFound(key: string): AppError {
  return new AppError('OBJECT_NOT_FOUND', `No object at key "${key}"`, { key });
}

/** Opens `file://./relative/dir` or `file:///absolute/dir`, creating the directory when missing. */
export async function openFileObjectStore(url: URL, opts: FileObjectStoreOptions): Promise<FileObjectStore> {
  if (!/^https?:\/\//.test(opts.publicBaseUrl ?? '') || !URL.canParse(opts.publicBaseUrl)) {
    throw new Error(`ObjectStore: publicBaseUrl must be an http(s) URL, got "${opts.publicBaseUrl}"`);
  }
  if (typeof opts.secret !== 'string' || opts.secret.length < 32) {
    throw new Error('ObjectStore: the signing secret must be at least 32 characters');
  }
  const store = new FileObjectStore(pathFromUrl(url), opts);
  await mkdir(join(store.root, TMP_DIR), { recursive: true });
  await mkdir(join(store.root, META_DIR), { recursive: true });
  return store;
}
