import { floatsFromWire, floatsToWire } from '../../core/float-wire.ts';
import type { IndexStatus, ModelStatus } from '../../core/telemetry/status.ts';
import { PinnedVersions } from '../../model-format/pinned-versions.ts';
import type { Retrieval, RetrievalHit, RetrievalView, RetrievalViewer } from './ports.ts';
import { RETRIEVAL_MODEL } from './retrieval.in-process.ts';

/** What `GET /v1/index` answers: the view a request would use now, and the service's status. */
export interface IndexAnswer {
  view: { version: string; query_tower: boolean } | null;
  /** The asked pinned version's index once the service has it (its own version: `content` answers `content-<n>`). */
  pinned?: { version: string; query_tower: boolean } | null;
  index: IndexStatus | null;
  model: ModelStatus;
}

export interface HttpRetrievalOptions {
  /** How often the serving version is looked up (a promote reaches the API within this). */
  pollMs?: number;
  /** Per call, ms: a slow service fails the request's retrieval, which the feed degrades around. */
  timeoutMs?: number;
}

const emptyModel = (): ModelStatus => ({
  name: RETRIEVAL_MODEL,
  stage: 'production',
  loadedVersion: null,
  loadedAt: null,
  lastError: 'retrieval service not reached yet',
  rejected: [],
});

/**
 * Retrieval in a separate process (`platform/services/retrieval.main.ts`), reached over HTTP at
 * `http://host:port`. The serving version is polled, so `view()` stays synchronous; every call of a
 * view names its version, and the service answers 404 MODEL_NOT_FOUND once that version is gone (the
 * request then degrades like any failed source). A pinned version is asked for in the background and
 * served once the service has it; production until then.
 */
export class HttpRetrieval implements Retrieval {
  readonly #base: string;
  readonly #pollMs: number;
  readonly #timeoutMs: number;
  #current: IndexAnswer = { view: null, index: null, model: emptyModel() };
  /** Pinned versions the service holds, asked for in the background (again after `pollMs` while it builds them). */
  readonly #pinned: PinnedVersions<RetrievalView>;
  #view: RetrievalView | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(url: string, o: HttpRetrievalOptions = {}) {
    this.#base = url.replace(/\/+$/, '');
    this.#pollMs = o.pollMs ?? 1_000;
    this.#timeoutMs = o.timeoutMs ?? 2_000;
    this.#pinned = new PinnedVersions({ load: (v) => this.#askPinned(v), retryMs: this.#pollMs });
  }

  view(pinnedVersion?: string | null): RetrievalView | undefined {
    if (pinnedVersion) {
      const pinned = this.#pinned.get(pinnedVersion);
      if (pinned) return pinned;
    }
    return this.#view;
  }

  index(): IndexStatus | undefined {
    return this.#current.index ?? undefined;
  }

  model(): ModelStatus {
    return this.#current.model;
  }

  /** Reads the serving version once (a service not up yet is not an error: the poll keeps trying). */
  async start(): Promise<void> {
    await this.refresh().catch(() => {});
    this.#timer = setInterval(() => void this.refresh().catch(() => {}), this.#pollMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }

  /** Looks the serving version up now. */
  async refresh(): Promise<void> {
    const a = await this.#get(`/v1/index`);
    this.#current = a;
    if (!a.view) this.#view = undefined;
    else if (this.#view?.version !== a.view.version || this.#view.queryTower !== a.view.query_tower)
      this.#view = this.#remoteView(a.view.version, a.view.query_tower);
  }

  async #askPinned(version: string): Promise<RetrievalView> {
    const a = await this.#get(`/v1/index?version=${encodeURIComponent(version)}`);
    if (!a.pinned) throw new Error(`the retrieval service has not built ${version} yet`);
    return this.#remoteView(a.pinned.version, a.pinned.query_tower);
  }

  #remoteView(version: string, queryTower: boolean): RetrievalView {
    const post = <T>(path: string, body: object) => this.#post<T>(path, { version, ...body });
    const index = () => this.#current.index;
    return {
      version,
      get size() {
        const i = index();
        return i?.version === version ? i.size : 0;
      },
      queryTower,
      async embed(viewer: RetrievalViewer) {
        const r = await post<{ vector: string | null }>('/v1/embed', { viewer });
        return r.vector === null ? undefined : floatsFromWire(r.vector);
      },
      async search(vector, k) {
        return (await post<{ hits: RetrievalHit[] }>('/v1/search', { vector: floatsToWire(vector), k })).hits;
      },
      async neighbours(seeds, k) {
        return (await post<{ hits: RetrievalHit[][] }>('/v1/neighbours', { seeds, k })).hits;
      },
      async affinities(vector, videoIds) {
        const r = await post<{ scores: (number | null)[] }>('/v1/affinities', {
          vector: floatsToWire(vector),
          video_ids: videoIds,
        });
        return r.scores.map((x) => x ?? undefined);
      },
    };
  }

  async #get<T = IndexAnswer>(path: string): Promise<T> {
    return this.#answer<T>(path, await fetch(`${this.#base}${path}`, { signal: AbortSignal.timeout(this.#timeoutMs) }));
  }

  async #post<T>(path: string, body: object): Promise<T> {
    const res = await fetch(`${this.#base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    return this.#answer<T>(path, res);
  }

  async #answer<T>(path: string, res: Response): Promise<T> {
    const text = await res.text();
    if (!res.ok) throw new Error(`retrieval service ${path}: ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}
