/**
 * The retrieval service's HTTP face: the in-process retrieval (index, model watcher, maintainer,
 * neighbour table) served to `HttpRetrieval` clients. Every call names the index version its request
 * started with: production's, a pinned one, or one replaced in the last swaps; 404 MODEL_NOT_FOUND
 * otherwise.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors/registry.ts';
import { floatsFromWire, floatsToWire } from '../../core/float-wire.ts';
import type { IndexHolder } from '../../retrieval/index-holder.ts';
import type { Retrieval, RetrievalView } from '../../retrieval/service/ports.ts';
import { snapshotView } from '../../retrieval/service/snapshot-view.ts';
import { installErrorHandling } from '../api/error-handler.ts';

/** Replaced production versions still answered, so a request that began before a swap finishes on its own. */
const KEEP_REPLACED = 2;

const version = z.string().min(1).max(200);
const vector = z.string().max(100_000);
const k = z.number().int().min(1).max(1_000);
const ids = z.array(z.string().min(1).max(100)).max(5_000);

/** Builds the app over `retrieval` (started by the caller); `holder` is its index holder, for replaced versions. */
export function retrievalApp(retrieval: Retrieval, holder: IndexHolder): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4 << 20, keepAliveTimeout: 65_000 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  const replaced: RetrievalView[] = [];
  const viewOfHolder = () => {
    const s = holder.current();
    return s && snapshotView(s);
  };
  let last = viewOfHolder();
  holder.onSwap(() => {
    if (last) replaced.unshift(last);
    replaced.length = Math.min(replaced.length, KEEP_REPLACED);
    last = viewOfHolder();
  });
  // Pinned names (a registry version, or `content`) by the version of the index they answered with.
  const pinnedBy = new Map<string, string>();
  const viewOf = (v: string): RetrievalView => {
    const pin = pinnedBy.get(v);
    const found = [retrieval.view(), pin ? retrieval.view(pin) : undefined, ...replaced].find((x) => x?.version === v);
    if (!found) throw new AppError('MODEL_NOT_FOUND', `index version ${v} is not served here`);
    return found;
  };
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', async () => ({ ok: true }));
  r.get('/v1/index', { schema: { querystring: z.object({ version: version.optional() }) } }, async (req) => {
    const production = retrieval.view();
    const view = retrieval.view(req.query.version ?? null);
    const pinned = req.query.version && view && view !== production ? view : undefined;
    if (pinned && req.query.version) {
      if (pinnedBy.size > 16) pinnedBy.clear();
      pinnedBy.set(pinned.version, req.query.version);
    }
    return {
      view: view ? { version: view.version, query_tower: view.queryTower } : null,
      pinned: pinned ? { version: pinned.version, query_tower: pinned.queryTower } : null,
      index: retrieval.index() ?? null,
      model: retrieval.model(),
    };
  });
  const viewer = z.object({
    actor: z.string().min(1).max(200),
    userId: z.string().min(1).max(100).optional(),
    history: ids,
    seeds: z.array(z.object({ video: z.string().min(1).max(100), weight: z.number() })).max(1_000),
    nowMs: z.number(),
  });
  r.post('/v1/embed', { schema: { body: z.object({ version, viewer }) } }, async (req) => {
    const v = await viewOf(req.body.version).embed(req.body.viewer);
    return { vector: v ? floatsToWire(v) : null };
  });
  r.post('/v1/search', { schema: { body: z.object({ version, vector, k }) } }, async (req) => ({
    hits: await viewOf(req.body.version).search(floatsFromWire(req.body.vector), req.body.k),
  }));
  r.post('/v1/neighbours', { schema: { body: z.object({ version, seeds: ids.max(100), k }) } }, async (req) => ({
    hits: await viewOf(req.body.version).neighbours(req.body.seeds, req.body.k),
  }));
  r.post('/v1/affinities', { schema: { body: z.object({ version, vector, video_ids: ids }) } }, async (req) => {
    const scores = await viewOf(req.body.version).affinities(floatsFromWire(req.body.vector), req.body.video_ids);
    return { scores: scores.map((x) => x ?? null) };
  });
  return app;
}
