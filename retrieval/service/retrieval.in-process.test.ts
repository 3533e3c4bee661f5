import { describeRetrievalContract } from './retrieval.contract.ts';

describeRetrievalContract('in process', async (local) => ({
  port: local,
  sync: async () => {},
  close: async () => {},
}));
