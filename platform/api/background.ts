import { engagementBackground } from '../engagement/engagement.background.ts';
import { transcodeService } from '../media/transcode.service.ts';
import { transcodeSweeperService } from '../media/transcode.sweeper.ts';
import type { AppDeps } from './deps.ts';

/** Something long-running beside the API: a queue worker or an event-log consumer. */
export interface BackgroundService {
  name: string;
  start(deps: AppDeps): Promise<{ stop(): Promise<void> }>;
}

/**
 * Every background service: run inside the API process in the one-machine mode (EMBEDDED_WORKERS=true),
 * or by `platform/worker.main.ts` processes when scaled.
 */
export function backgroundServices(deps: AppDeps): BackgroundService[] {
  return [transcodeService, transcodeSweeperService(), ...engagementBackground({ featureStore: deps.featureStore })];
}
