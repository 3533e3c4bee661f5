import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/config.ts';

/**
 * The HMAC key for signed URLs and playback tokens: SIGNING_SECRET when set, otherwise one generated
 * once into DATA_DIR/secret (mode 0600) so a single machine keeps working across restarts.
 */
export function loadOrCreateSecret(config: Config): string {
  if (config.SIGNING_SECRET) return config.SIGNING_SECRET;
  const file = join(config.DATA_DIR, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
