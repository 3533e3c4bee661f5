import { loadConfigOrExit } from '../core/config/config.ts';
import { openMetadataStore } from '../core/metadata/open.ts';
import { usersCli } from './api/auth/roles.cli.ts';

/** `npm run users -- set-role alice admin`: account administration against the configured METADATA_URL. */
const config = loadConfigOrExit();
const metadata = await openMetadataStore(config.METADATA_URL);
try {
  await metadata.migrate();
  process.exitCode = await usersCli(metadata, process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
} finally {
  await metadata.close();
}
