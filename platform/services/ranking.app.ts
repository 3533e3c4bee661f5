/**
 * The ranking service's HTTP face: the in-process ranking (production's ranker, pinned versions)
 * served to `HttpRanking` clients. A predict names the version its request started with: production's,
 * a pinned one, or one replaced in the last promotes; 404 MODEL_NOT_FOUND otherwise.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors/registry.ts';
import { floatsFromWire, floatsToWire } from '../../core/float-wire.ts';
import type { RankerModel } from '../../ranking/ranker-holder.ts';
import type { Ranking } from '../../ranking/service/ports.ts';
import { installErrorHandling } from '../api/error-handler.ts';

/** Replaced production versions still answered, so a request that began before a promote finishes on its own. */
const KEEP_REPLACED = 2;

const version = z.string().min(1).max(200);
const info = (m: RankerModel | undefined) => (m ? { version: m.version, feature_dims: m.featureDims } : null);

/** Builds the app over `ranking` (started by the caller). */
export function rankingApp(ranking: Ranking): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 16 << 20, keepAliveTimeout: 65_000 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  const replaced: RankerModel[] = [];
  const modelOf = (v: string): RankerModel => {
    const now = ranking.current();
    if (now?.version === v) return now;
    const m = ranking.get(v) ?? replaced.find((x) => x.version === v);
    if (!m) throw new AppError('MODEL_NOT_FOUND', `ranker version ${v} is not served here`);
    return m;
  };
  let last = ranking.current();
  const noteCurrent = () => {
    const now = ranking.current();
    if (last && now !== last) {
      replaced.unshift(last);
      replaced.length = Math.min(replaced.length, KEEP_REPLACED);
    }
    last = now;
  };
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', async () => noteCurrent());
  r.get('/healthz', async () => ({ ok: true }));
  r.get('/v1/ranker', { schema: { querystring: z.object({ version: version.optional() }) } }, async (req) => ({
    current: info(ranking.current()),
    pinned: req.query.version ? info(ranking.get(req.query.version)) : null,
    model: ranking.model(),
  }));
  r.post(
    '/v1/predict',
    {
      schema: {
        body: z.object({
          version,
          rows: z.number().int().min(0).max(10_000),
          features: z.string().max(12 << 20),
          user_id: z.string().min(1).max(100).optional(),
          video_ids: z.array(z.string().max(100).nullable()).max(10_000).optional(),
        }),
      },
    },
    async (req) => {
      const b = req.body;
      const m = modelOf(b.version);
      const features = floatsFromWire(b.features);
      if (features.length !== b.rows * m.featureDims)
        throw new AppError('VALIDATION_FAILED', `${features.length} features for ${b.rows} rows of ${m.featureDims}`);
      const heads = await m.predict(features, b.rows, {
        ...(b.user_id ? { userId: b.user_id } : {}),
        ...(b.video_ids ? { videoIds: b.video_ids.map((v) => v ?? undefined) } : {}),
      });
      return { heads: Object.fromEntries(Object.entries(heads).map(([k, v]) => [k, floatsToWire(v)])) };
    },
  );
  return app;
}
