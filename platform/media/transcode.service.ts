import type { BackgroundService } from '../api/background-service.ts';
import { transcodeConfigOptions } from './transcode.options.ts';
import { startTranscodeWorker } from './transcode.worker.ts';

/** The transcode worker as an embedded service of the API process (EMBEDDED_WORKERS=true). */
export const transcodeService: BackgroundService = {
  name: 'transcode',
  async start(deps) {
    const worker = startTranscodeWorker(deps, {
      jobConcurrency: deps.config.TRANSCODE_JOBS,
      ...transcodeConfigOptions(deps.config),
    });
    return { stop: () => worker.close() };
  },
};
