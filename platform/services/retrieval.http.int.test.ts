import { describeRetrievalContract } from '../../retrieval/service/retrieval.contract.ts';
import { HttpRetrieval } from '../../retrieval/service/retrieval.http.ts';
import { retrievalApp } from './retrieval.app.ts';

describeRetrievalContract('over HTTP (the retrieval service)', async (local) => {
  const app = retrievalApp(local, local.holder);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const port = new HttpRetrieval(url, { pollMs: 60_000 });
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
