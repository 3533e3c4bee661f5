import { engagementBackground } from '../engagement/engagement.background.ts';
import { transcodeService } from '../media/transcode.service.ts';
import { transcodeSweeperService } from '../media/transcode.sweeper.ts';
import type { BackgroundService } from './background-service.ts';
import type { AppDeps } from './deps.ts';

/**
 * Every background service: run inside the API process in the one-machine mode (EMBEDDED_WORKERS=true),
 * or by `platform/worker.main.ts` processes when scaled.
 */
export function backgroundServices(deps: AppDeps): BackgroundService[] {
  return [transcodeService, transcodeSweeperService(), ...engagementBackground({ featureStore: deps.featureStore })];
}
