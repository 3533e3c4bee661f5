#!/usr/bin/env node
/**
 * foryou-admin: operator commands for the embedded deployment.
 *   foryou-admin backup <dir>                 copy the SQLite stores and the objects while the server runs
 *   foryou-admin restore <dir> [--overwrite]  put a backup back (server stopped)
 * The stores are the ones the config (environment / config file) names.
 */
import { loadConfigOrExit } from '../../core/config/config.ts';
import { backup, restore } from './backup.ts';

const [command, dir, ...rest] = process.argv.slice(2);
if ((command !== 'backup' && command !== 'restore') || !dir) {
  process.stderr.write('usage: foryou-admin backup <dir> | restore <dir> [--overwrite]\n');
  process.exit(2);
}
const config = loadConfigOrExit();
try {
  const m =
    command === 'backup' ? backup(config, dir) : restore(config, dir, { overwrite: rest.includes('--overwrite') });
  const bytes = m.files.reduce((s, f) => s + f.bytes, 0);
  process.stdout.write(
    `${command}: ${m.databases.length} databases, ${m.files.length} files, ${bytes} bytes (${dir})\n`,
  );
} catch (err) {
  process.stderr.write(`foryou-admin ${command} failed: ${(err as Error).message}\n`);
  process.exit(1);
}
