/**
 * Backup and restore of the embedded deployment's data: its SQLite databases (metadata, event log,
 * job queue, features) and its local object directory. A backup runs while the server runs: each
 * database is copied with `VACUUM INTO` (one consistent snapshot per file, readers and writers go on),
 * then the objects are copied (objects written after the snapshot are extra, never missing, because
 * objects are written before the rows that name them). A manifest lists every file with its size and
 * SHA-256; restore checks them and refuses a non-empty target unless told to overwrite.
 * @remarks Embedded backends only: PostgreSQL, Redis, Kafka and S3 have their own tools (pg_dump,
 * RDB/AOF, topic replication, bucket versioning). Restore while the server is stopped.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Config } from '../../core/config/config.ts';
import { pathFromUrl } from '../../core/open-by-url.ts';

/** The embedded stores a backup holds, by config key. */
const DATABASES = ['METADATA_URL', 'EVENTS_URL', 'QUEUE_URL', 'FEATURES_URL'] as const;

/** What `backup.json` records. */
export interface BackupManifest {
  version: 1;
  created_at: string;
  /** Per database: the config key it restores to and its file in the backup. */
  databases: { key: (typeof DATABASES)[number]; file: string }[];
  /** Every file of the backup (databases and objects) with its size and SHA-256. */
  files: { path: string; bytes: number; sha256: string }[];
}

/** Where the embedded stores live, from the config; throws for a non-embedded backend. */
export function embeddedPaths(config: Config): { databases: Map<(typeof DATABASES)[number], string>; objects: string } {
  const databases = new Map<(typeof DATABASES)[number], string>();
  for (const key of DATABASES) {
    const url = new URL(config[key]);
    if (url.protocol !== 'sqlite:') {
      throw new Error(
        `${key} is ${url.protocol}//: backup covers the embedded SQLite stores only (use that backend's own tools)`,
      );
    }
    databases.set(key, pathFromUrl(url));
  }
  const objects = new URL(config.OBJECTS_URL);
  if (objects.protocol !== 'file:') {
    throw new Error('OBJECTS_URL is not file://: back up the object store with its own tools (bucket versioning)');
  }
  return { databases, objects: pathFromUrl(objects) };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function walk(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * The search index (migration 024) is an FTS5 table keyed by the rowids of `videos`, which has no
 * INTEGER PRIMARY KEY: SQLite documents that VACUUM (and so VACUUM INTO) may renumber such rowids.
 * The copy's index is therefore rebuilt from its own rows.
 */
function rebuildSearchIndex(path: string): void {
  const db = new DatabaseSync(path);
  try {
    const fts = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'videos_fts'`).get();
    if (fts) db.exec(`INSERT INTO videos_fts (videos_fts) VALUES ('rebuild')`);
  } finally {
    db.close();
  }
}

/** Writes a backup of the running embedded deployment into `target` (created; must be empty). */
export function backup(config: Config, target: string): BackupManifest {
  const { databases, objects } = embeddedPaths(config);
  if (existsSync(target) && readdirSync(target).length > 0) throw new Error(`backup target ${target} is not empty`);
  mkdirSync(join(target, 'db'), { recursive: true });
  const manifest: BackupManifest = { version: 1, created_at: new Date().toISOString(), databases: [], files: [] };
  for (const [key, path] of databases) {
    if (!existsSync(path)) continue;
    const file = join('db', `${key.toLowerCase().replace('_url', '')}.db`);
    const db = new DatabaseSync(path);
    try {
      db.exec('PRAGMA busy_timeout = 10000');
      db.exec(`VACUUM INTO '${join(target, file).replaceAll("'", "''")}'`);
    } finally {
      db.close();
    }
    rebuildSearchIndex(join(target, file));
    manifest.databases.push({ key, file });
  }
  for (const src of walk(objects)) {
    const rel = relative(objects, src);
    if (rel.startsWith('.tmp')) continue; // half-written puts
    const dest = join(target, 'objects', rel);
    mkdirSync(dirname(dest), { recursive: true });
    try {
      copyFileSync(src, dest);
    } catch (err) {
      // Deleted since the listing (a draft's source after its transcode): nothing names it any more.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
  }
  for (const f of walk(target)) {
    manifest.files.push({ path: relative(target, f), bytes: statSync(f).size, sha256: sha256(f) });
  }
  writeFileSync(join(target, 'backup.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Restores `source` (a backup) to the stores the config names. Checks every file against the manifest
 * first; refuses existing databases or objects unless `overwrite`. Run with the server stopped.
 */
export function restore(config: Config, source: string, opts: { overwrite?: boolean } = {}): BackupManifest {
  const manifest = JSON.parse(readFileSync(join(source, 'backup.json'), 'utf8')) as BackupManifest;
  if (manifest.version !== 1) throw new Error(`unknown backup version ${manifest.version}`);
  for (const f of manifest.files) {
    const p = join(source, f.path);
    if (!existsSync(p) || statSync(p).size !== f.bytes || sha256(p) !== f.sha256) {
      throw new Error(`backup file ${f.path} is missing or damaged`);
    }
  }
  const { databases, objects } = embeddedPaths(config);
  if (!opts.overwrite) {
    for (const path of databases.values()) {
      if (existsSync(path))
        throw new Error(`${path} exists: restore into an empty data directory, or pass --overwrite`);
    }
    if (walk(objects).length > 0)
      throw new Error(`${objects} holds objects: restore into an empty one, or pass --overwrite`);
  }
  for (const { key, file } of manifest.databases) {
    const dest = databases.get(key)!;
    mkdirSync(dirname(dest), { recursive: true });
    // A WAL left from the replaced database would be replayed onto the restored one.
    for (const suffix of ['-wal', '-shm']) rmSync(dest + suffix, { force: true });
    copyFileSync(join(source, file), dest);
  }
  for (const f of manifest.files) {
    if (!f.path.startsWith(`objects/`)) continue;
    const dest = join(objects, relative('objects', f.path));
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(join(source, f.path), dest);
  }
  return manifest;
}
