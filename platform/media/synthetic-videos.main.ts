/**
 * `npm run sim:catalogue -- --plan plan.json --out ids.json`: the operator command behind the
 * simulator's fast mode. Reads a plan (a JSON array of { authorId, templateId, caption, hashtags })
 * and creates those videos in the store named by the platform's configuration (METADATA_URL,
 * OBJECTS_URL, …) through `createSyntheticVideos`; writes the new ids, in plan order, to --out.
 * Run it while the platform is stopped (it writes the metadata store directly, in batches).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../../core/config/config.ts';
import { closeDeps, openDeps } from '../api/open-deps.ts';
import { createSyntheticVideos, type SyntheticVideo } from './synthetic-videos.ts';

const { values } = parseArgs({ options: { plan: { type: 'string' }, out: { type: 'string' } } });
if (!values.plan || !values.out) {
  process.stderr.write('usage: npm run sim:catalogue -- --plan plan.json --out ids.json\n');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(values.plan, 'utf8')) as SyntheticVideo[];
const deps = await openDeps(loadConfigOrExit());
try {
  const started = Date.now();
  let last = 0;
  const ids = await createSyntheticVideos(deps, plan, {
    progress: (done, total) => {
      if (Date.now() - last < 2000 && done < total) return;
      last = Date.now();
      process.stderr.write(`synthetic videos ${done}/${total}\n`);
    },
  });
  writeFileSync(values.out, JSON.stringify(ids));
  process.stderr.write(`created ${ids.length} synthetic videos in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
} finally {
  await closeDeps(deps);
}
