import { describeRankingContract } from './ranking.contract.ts';

describeRankingContract('in process', async (local) => ({ port: local, sync: async () => {}, close: async () => {} }));
