import { ConfigError } from '../../core/config/config.ts';
import { engagementBackground } from '../engagement/engagement.background.ts';
import { logRetentionService } from '../engagement/retention.service.ts';
import { cdnPrewarmService } from '../media/cdn-prewarm.ts';
import { transcodeService } from '../media/transcode.service.ts';
import { transcodeSweeperService } from '../media/transcode.sweeper.ts';
import type { BackgroundService } from './background-service.ts';
import type { AppDeps } from './deps.ts';

/**
 * The background services this process runs: inside the API process in the one-machine mode
 * (EMBEDDED_WORKERS=true), or by `platform/worker.main.ts` processes when scaled; all of them, or the
 * ones BACKGROUND_SERVICES names (an unknown name is a configuration error).
 */
export function backgroundServices(deps: AppDeps): BackgroundService[] {
  const all = [
    transcodeService,
    transcodeSweeperService(),
    ...engagementBackground({ featureStore: deps.featureStore }),
    logRetentionService,
    cdnPrewarmService,
  ];
  const wanted = deps.config.BACKGROUND_SERVICES;
  if (wanted === undefined) return all;
  const known = new Set(all.map((s) => s.name));
  const unknown = wanted.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ConfigError([`BACKGROUND_SERVICES: unknown ${unknown.join(', ')} (known: ${[...known].join(', ')})`]);
  }
  return all.filter((s) => wanted.includes(s.name));
}
