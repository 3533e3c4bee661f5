import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const EXPERIMENTS = new URL('../experiments/', import.meta.url).pathname;

/** The experiment of experiments/feed.yaml that splits viewers between the pipeline and the baselines. */
export const BASELINES_EXPERIMENT = 'policy-baselines';

/**
 * Writes a feed configuration folder (for FEED_CONFIG_DIR) that is the repository's, with only
 * `enable` switched on among the experiments: users are randomised between its arms by the
 * platform's own bucketing, and other experiments stay out of the comparison.
 */
export function writeArmsConfig(dir: string, enable: string = BASELINES_EXPERIMENT): string {
  mkdirSync(dir, { recursive: true });
  const feed = parse(readFileSync(join(EXPERIMENTS, 'feed.yaml'), 'utf8')) as {
    experiments?: { name: string; enabled?: boolean }[];
  };
  const names = (feed.experiments ?? []).map((e) => e.name);
  if (!names.includes(enable))
    throw new Error(`experiments/feed.yaml has no experiment ${enable} (has ${names.join(', ')})`);
  for (const e of feed.experiments ?? []) e.enabled = e.name === enable;
  writeFileSync(join(dir, 'feed.yaml'), stringify(feed));
  copyFileSync(join(EXPERIMENTS, 'value-model.yaml'), join(dir, 'value-model.yaml'));
  return dir;
}
