import { loadKuaiRand } from '../data/kuairand.loader.ts';
import { loadPlatformDataset } from '../data/platform.loader.ts';
import type { Dataset } from '../data/schema.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import type { Experiment } from './experiment.ts';

/** Loads the dataset an experiment names; `dataDir` (a CLI option) overrides the KuaiRand folder or the platform's data folder. */
export async function loadExperimentData(data: Experiment['data'], dataDir?: string): Promise<Dataset> {
  if (data.source === 'synthetic') {
    const { source: _s, ...opts } = data;
    return generateSynthetic(opts);
  }
  if (data.source === 'platform') {
    return loadPlatformDataset({
      metadataUrl: dataDir ? `sqlite://${dataDir}/foryou.db` : data.metadata,
      eventsUrl: dataDir ? `sqlite://${dataDir}/events.db` : data.events,
      holdoutShare: data.holdout_share,
    });
  }
  return loadKuaiRand({ dir: dataDir ?? data.dir });
}
