/**
 * `npm run client:generate`: rebuilds `operations.gen.ts` from the OpenAPI document of an in-process
 * server (embedded backends in a temporary folder, the simulated clock on so its routes are included).
 * `--check` only compares and exits 1 when the committed file is stale; `--print` (`npm run openapi`)
 * prints the OpenAPI document instead.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { generateClientTypes, isClientPath, type OpenApiDocument } from './openapi-to-ts.ts';

/** Where the generated types live. */
export const GENERATED_FILE = new URL('./operations.gen.ts', import.meta.url).pathname;

/** Formats TypeScript source the way the repository's formatter does (biome), so the file is lint-clean. */
export function formatTs(source: string, fileName = GENERATED_FILE): string {
  const biome = new URL('../../node_modules/.bin/biome', import.meta.url).pathname;
  const res = spawnSync(biome, ['format', `--stdin-file-path=${fileName}`], { input: source, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`biome format failed: ${res.stderr}`);
  return res.stdout;
}

/** The generated module for a document, formatted. */
export function generatedSource(doc: OpenApiDocument): string {
  return formatTs(generateClientTypes(doc, isClientPath));
}

/** The OpenAPI document of a freshly built app (no listening socket). */
export async function serverDocument(): Promise<OpenApiDocument> {
  const { buildTestApp } = await import('../api/testing/harness.ts');
  const t = await buildTestApp('embedded', 'client-generate', { SIM_CLOCK: 'true' });
  try {
    return (await t.app.inject('/docs/json')).json() as OpenApiDocument;
  } finally {
    await t.cleanup();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--print')) {
    process.stdout.write(`${JSON.stringify(await serverDocument(), null, 2)}\n`);
    return;
  }
  const check = process.argv.includes('--check');
  const source = generatedSource(await serverDocument());
  const current = readFileSync(GENERATED_FILE, 'utf8');
  if (check) {
    if (current !== source) {
      process.stderr.write('platform/client/operations.gen.ts is stale: run npm run client:generate\n');
      process.exit(1);
    }
    process.stdout.write('platform/client/operations.gen.ts matches the server\n');
    return;
  }
  writeFileSync(GENERATED_FILE, source);
  process.stdout.write(`wrote ${GENERATED_FILE}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
