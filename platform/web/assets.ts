import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, stripTypeScriptTypes } from 'node:module';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the client is made of, ready to send: bytes, type and a strong ETag. */
export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The client as served: the index page and every asset by its path under `/app/<version>/`. */
export interface AssetTable {
  /** Hash of every asset: part of their URLs, so they can be cached for a year. */
  version: string;
  index: Asset;
  files: ReadonlyMap<string, Asset>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  // TypeScript sources are served with their types stripped, so the browser sees JavaScript.
  '.ts': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/** The folder holding index.html, styles and the client modules. */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * Modules the client shares with the server, so a rule has one home: what a playback event means, and
 * the typed API client (`platform/client`, the API's one consumer-side definition, also used by the
 * simulator). Each is served under `shared/` (its folder name kept, so the client's modules import one
 * another as on disk) and imports of it from client files are pointed there. A shared module imports
 * only modules of its own folder that are listed here (type-only imports are stripped).
 */
const SHARED_MODULES: ReadonlyMap<string, string> = new Map([
  [fileURLToPath(new URL('../../feature-store/signals.ts', import.meta.url)), 'signals.ts'],
  ...['index.ts', 'client.ts', 'errors.ts', 'events.ts', 'retry.ts'].map(
    (f) => [fileURLToPath(new URL(`../client/${f}`, import.meta.url)), `client/${f}`] as const,
  ),
]);

/** Points the client's imports of shared modules at their served copies under `shared/`. */
function linkShared(source: string, file: string, dir: string): string {
  return source.replace(/(from\s*['"])(\.{1,2}\/[^'"]+)(['"])/g, (m, pre: string, spec: string, post: string) => {
    const served = SHARED_MODULES.get(resolve(dirname(file), spec));
    if (served === undefined) return m;
    let rel = relative(dirname(file), join(dir, 'shared', served))
      .split(sep)
      .join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${pre}${rel}${post}`;
  });
}

function asset(body: Buffer, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

function transpile(source: string, file: string): string {
  try {
    return stripTypeScriptTypes(source, { mode: 'strip', sourceUrl: file });
  } catch (err) {
    // A client file that does not strip is a bug to see at startup, not a blank page later.
    throw new Error(`web client: cannot strip types from ${file}: ${(err as Error).message}`);
  }
}

/**
 * Reads the client once into memory: TypeScript modules lose their types (positions kept, so errors
 * in the browser point at the right line), hls.js comes from its npm package, and the index page gets
 * the version every asset URL carries. Files with an unknown extension are not served.
 */
export function loadAssets(dir: string = PUBLIC_DIR): AssetTable {
  const sources = new Map<string, { body: Buffer; contentType: string }>();
  for (const file of walk(dir)) {
    const name = relative(dir, file).split(sep).join('/');
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType || name === 'index.html' || name.endsWith('.test.ts')) continue;
    const raw = readFileSync(file);
    const body = name.endsWith('.ts') ? Buffer.from(transpile(linkShared(raw.toString('utf8'), file, dir), name)) : raw;
    sources.set(name, { body, contentType });
  }
  for (const [file, served] of SHARED_MODULES) {
    const body = Buffer.from(transpile(readFileSync(file, 'utf8'), served));
    sources.set(`shared/${served}`, { body, contentType: CONTENT_TYPES['.ts']! });
  }
  const hls = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
  sources.set('vendor/hls.min.js', { body: readFileSync(hls), contentType: CONTENT_TYPES['.js']! });

  const hash = createHash('sha256');
  for (const [name, s] of [...sources].sort(([a], [b]) => a.localeCompare(b))) hash.update(name).update(s.body);
  const version = hash.digest('hex').slice(0, 12);
  const files = new Map([...sources].map(([name, s]) => [name, asset(s.body, s.contentType)]));
  const html = readFileSync(join(dir, 'index.html'), 'utf8').replaceAll('{{APP}}', `/app/${version}`);
  return { version, index: asset(Buffer.from(html), CONTENT_TYPES['.html']!), files };
}
