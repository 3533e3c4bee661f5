/**
 * The ranking service process (`npm run service:ranking`): production's ranker and the versions arms
 * pin, over HTTP on SERVICE_PORT. API processes reach it with RANKING_URL=http://host:port.
 */
import { InProcessRanking } from '../../ranking/service/ranking.in-process.ts';
import { rankingApp } from './ranking.app.ts';
import { runService } from './service-process.ts';

await runService('ranking-service', async ({ metadata, objects, telemetry }) => {
  const ranking = new InProcessRanking({ metadata, objects, telemetry });
  await ranking.start();
  return { app: rankingApp(ranking), stop: () => ranking.close() };
});
