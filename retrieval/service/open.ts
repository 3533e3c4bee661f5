import { openByScheme } from '../../core/open-by-url.ts';
import type { Retrieval } from './ports.ts';
import { HttpRetrieval } from './retrieval.http.ts';
import { InProcessRetrieval, type InProcessRetrievalOptions } from './retrieval.in-process.ts';

/**
 * Retrieval by `RETRIEVAL_URL`: `in-process://` (the default) keeps the index in this process;
 * `http://host:port` uses the retrieval service there (`platform/services/retrieval.main.ts`).
 */
export function openRetrieval(url: string, local: InProcessRetrievalOptions): Promise<Retrieval> {
  return openByScheme<Retrieval>('RETRIEVAL_URL', url, {
    'in-process:': async () => new InProcessRetrieval(local),
    'http:': async (u) => new HttpRetrieval(u.href),
    'https:': async (u) => new HttpRetrieval(u.href),
  });
}
