import { FEATURE_NAMES } from '../../../feature-store/definitions.ts';
import type { PinnedRankers, RankerSource } from '../../../ranking/ranker-holder.ts';
import { combinedScore, valueBreakdown } from '../../../ranking/value-model.ts';
import { settingsOf } from '../../pipeline/settings.ts';
import { topicDraws, topicOf } from '../topic-bandit.ts';
import type { Scorer } from '../types.ts';
import { VALUE_MODEL_SETTINGS } from './value-model.settings.ts';

/**
 * The multi-task ranker from the registry's production stage. Its heads are weighted into a value by
 * the request's (arm-resolved) head weights, and the value is combined with the candidate's retrieval
 * prior (`combinedScore`). Throws when no model is loaded or features are missing, so the pipeline
 * falls back. An arm that pins `value_model.ranker_version` is scored by that version once `pinned` has
 * loaded it (production until then); the version that scored is what the serve log records. With the
 * topic bandit's `ranker_weight`, each score also gains the value model's ranker_weight × that weight ×
 * the draw of the video's best hashtag (`topic-bandit.ts`; the prior mean for a hashtag the viewer's
 * views and picks say nothing of), the term the fallback scorer's log value carries, recorded as the
 * `topic` value term. Features named in `median_features` are read at the
 * request's median (the candidates' own features stay as hydrated).
 */
export function modelScorer(holder: RankerSource, pinned?: PinnedRankers): Scorer {
  const used = new WeakMap<object, string>();
  return {
    id: 'ranker',
    settings: VALUE_MODEL_SETTINGS,
    version: (query) => used.get(query) ?? holder.current()?.version ?? 'none',
    async score(query, candidates) {
      const pin = settingsOf(query.settings, VALUE_MODEL_SETTINGS).ranker_version;
      const model = (pin && pinned?.get(pin)) || holder.current();
      if (!model) throw new Error('no ranker loaded');
      used.set(query, model.version);
      if (candidates.length === 0) return;
      const d = model.featureDims;
      const x = new Float32Array(candidates.length * d);
      candidates.forEach((c, i) => {
        if (!c.features || c.features.length !== d) throw new Error(`features missing or not ${d} wide`);
        x.set(c.features, i * d);
      });
      const { median_features: atMedian } = settingsOf(query.settings, VALUE_MODEL_SETTINGS);
      for (const name of atMedian ?? []) readAtMedian(x, d, candidates.length, FEATURE_NAMES.indexOf(name));
      const heads = await model.predict(x, candidates.length, {
        ...(query.userId ? { userId: query.userId } : {}),
        videoIds: candidates.map((c) => c.video.id),
      });
      const { weights, combine } = settingsOf(query.settings, VALUE_MODEL_SETTINGS);
      const draws = topicDraws(query);
      const topicWeight = draws ? combine.ranker_weight * draws.rankerWeight : 0;
      const columns = Object.entries(heads);
      const weighted = Object.entries(weights);
      candidates.forEach((c, i) => {
        const h: Record<string, number> = {};
        for (const [name, arr] of columns) h[name] = arr[i]!;
        const v = valueBreakdown(h, weights, weighted);
        c.heads = h;
        c.valueTerms = { ...v.terms, value: v.value, prior: c.prior ?? 0 };
        c.score = combinedScore(c.prior ?? 0, v.value, combine);
        if (draws && topicWeight > 0) {
          const topic = topicOf(c.video.hashtags, draws.ofKnown);
          c.valueTerms.topic = topic;
          c.score += topicWeight * topic;
        }
      });
    },
  };
}

/** Sets column `j` of the n × d rows to its median over the rows (the upper one for an even n). */
function readAtMedian(x: Float32Array, d: number, n: number, j: number): void {
  if (j < 0 || j >= d || n === 0) return;
  const col = Array.from({ length: n }, (_, i) => x[i * d + j]!).sort((a, b) => a - b);
  const m = col[Math.floor(n / 2)]!;
  for (let i = 0; i < n; i++) x[i * d + j] = m;
}
