import { floatsFromWire, floatsToWire } from '../../core/float-wire.ts';
import type { ModelStatus } from '../../core/telemetry/status.ts';
import { PinnedVersions } from '../../model-format/pinned-versions.ts';
import type { RankerModel } from '../ranker-holder.ts';
import type { Ranking } from './ports.ts';
import { RANKING_MODEL } from './ranking.in-process.ts';

/** A ranker version as `GET /v1/ranker` names it. */
export interface RankerInfo {
  version: string;
  feature_dims: number;
}

/** What `GET /v1/ranker` answers: production's version, the asked pinned version when loaded, the status. */
export interface RankerAnswer {
  current: RankerInfo | null;
  pinned: RankerInfo | null;
  model: ModelStatus;
}

export interface HttpRankingOptions {
  /** How often production's version is looked up (a promote reaches the API within this). */
  pollMs?: number;
  /** Per call, ms: a slow service fails the request's scoring, which the feed's fallback scorer covers. */
  timeoutMs?: number;
}

/**
 * Ranking in a separate process (`platform/services/ranking.main.ts`) at `http://host:port`. The
 * production version is polled so `current()` stays synchronous; `predict` posts the rows with the
 * version they are for, and the service answers 404 MODEL_NOT_FOUND once it no longer holds it.
 */
export class HttpRanking implements Ranking {
  readonly #base: string;
  readonly #pollMs: number;
  readonly #timeoutMs: number;
  #model: ModelStatus = {
    name: RANKING_MODEL,
    stage: 'production',
    loadedVersion: null,
    loadedAt: null,
    lastError: 'ranking service not reached yet',
    rejected: [],
  };
  #current: RankerModel | undefined;
  /** Pinned versions the service holds, asked for in the background (again after `pollMs` while it loads them). */
  readonly #pinned: PinnedVersions<RankerModel>;
  #timer: NodeJS.Timeout | undefined;

  constructor(url: string, o: HttpRankingOptions = {}) {
    this.#base = url.replace(/\/+$/, '');
    this.#pollMs = o.pollMs ?? 1_000;
    this.#timeoutMs = o.timeoutMs ?? 2_000;
    this.#pinned = new PinnedVersions({ load: (v) => this.#askPinned(v), retryMs: this.#pollMs });
  }

  current(): RankerModel | undefined {
    return this.#current;
  }

  get(version: string): RankerModel | undefined {
    return this.#pinned.get(version);
  }

  model(): ModelStatus {
    return this.#model;
  }

  async start(): Promise<void> {
    await this.refresh().catch(() => {});
    this.#timer = setInterval(() => void this.refresh().catch(() => {}), this.#pollMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }

  /** Looks production's version up now. */
  async refresh(): Promise<void> {
    const a = await this.#call<RankerAnswer>('/v1/ranker');
    this.#model = a.model;
    if (!a.current) this.#current = undefined;
    else if (this.#current?.version !== a.current.version) this.#current = this.#remote(a.current);
  }

  async #askPinned(version: string): Promise<RankerModel> {
    const a = await this.#call<RankerAnswer>(`/v1/ranker?version=${encodeURIComponent(version)}`);
    if (!a.pinned) throw new Error(`the ranking service has not loaded ${version} yet`);
    return this.#remote(a.pinned);
  }

  #remote(info: RankerInfo): RankerModel {
    const call = <T>(path: string, body?: object) => this.#call<T>(path, body);
    return {
      version: info.version,
      featureDims: info.feature_dims,
      async predict(features, rows, ids) {
        const r = await call<{ heads: Record<string, string> }>('/v1/predict', {
          version: info.version,
          rows,
          features: floatsToWire(features),
          ...(ids?.userId ? { user_id: ids.userId } : {}),
          ...(ids?.videoIds ? { video_ids: ids.videoIds.map((v) => v ?? null) } : {}),
        });
        return Object.fromEntries(Object.entries(r.heads).map(([k, v]) => [k, floatsFromWire(v)]));
      },
    };
  }

  async #call<T>(path: string, body?: object): Promise<T> {
    const res = await fetch(`${this.#base}${path}`, {
      ...(body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`ranking service ${path}: ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}
