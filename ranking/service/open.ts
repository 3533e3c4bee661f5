import { openByScheme } from '../../core/open-by-url.ts';
import type { Ranking } from './ports.ts';
import { HttpRanking } from './ranking.http.ts';
import { InProcessRanking, type InProcessRankingOptions } from './ranking.in-process.ts';

/**
 * Ranking by `RANKING_URL`: `in-process://` (the default) loads the ranker in this process;
 * `http://host:port` uses the ranking service there (`platform/services/ranking.main.ts`).
 */
export function openRanking(url: string, local: InProcessRankingOptions): Promise<Ranking> {
  return openByScheme<Ranking>('RANKING_URL', url, {
    'in-process:': async () => new InProcessRanking(local),
    'http:': async (u) => new HttpRanking(u.href),
    'https:': async (u) => new HttpRanking(u.href),
  });
}
