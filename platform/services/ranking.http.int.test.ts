import { describeRankingContract } from '../../ranking/service/ranking.contract.ts';
import { HttpRanking } from '../../ranking/service/ranking.http.ts';
import { rankingApp } from './ranking.app.ts';

describeRankingContract('over HTTP (the ranking service)', async (local) => {
  const app = rankingApp(local);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const port = new HttpRanking(url, { pollMs: 60_000 });
  await port.start();
  return {
    port,
    sync: () => port.refresh(),
    async close() {
      await port.close();
      await app.close();
    },
  };
});
