import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

// A Kafka broker list (`kafka://a:9092,b:9092`) is not a WHATWG URL, so backend URLs are checked by
// shape here and parsed fully by the backend that opens them.
const url = (what: string) =>
  z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/\S*$/i, { message: `${what} must be a URL such as scheme://host/path` });
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
// A comma-separated list of account handles (the registration rule: 3-30 of letters, digits, _ and .).
const handles = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9_.]{3,30}$/, 'each handle is 3-30 of letters, digits, _ or .')));
// A comma-separated list of names; empty entries dropped.
const names = z.string().transform((v) =>
  v
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== ''),
);

/**
 * Every setting foryou reads, from the environment (upper-case names) with an optional YAML/JSON file
 * named by FORYOU_CONFIG underneath it. Backends are picked by URL scheme.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Where clients reach this API; used to build signed URLs of the local object store. */
  PUBLIC_BASE_URL: url('PUBLIC_BASE_URL').default('http://127.0.0.1:8080'),
  DATA_DIR: z.string().min(1).default('./data'),
  METADATA_URL: url('METADATA_URL').default('sqlite://./data/foryou.db'),
  OBJECTS_URL: url('OBJECTS_URL').default('file://./data/objects'),
  EVENTS_URL: url('EVENTS_URL').default('sqlite://./data/events.db'),
  QUEUE_URL: url('QUEUE_URL').default('sqlite://./data/queue.db'),
  CACHE_URL: url('CACHE_URL').default('memory://'),
  /** Online features (user histories, affinities, windowed video stats) read by the feed. */
  FEATURES_URL: url('FEATURES_URL').default('sqlite://./data/features.db'),
  /**
   * The retrieval index (ANN, query tower, similar items): `in-process://` in the API, or the retrieval
   * service at `http://host:port` (`npm run service:retrieval`).
   */
  RETRIEVAL_URL: url('RETRIEVAL_URL').default('in-process://'),
  /** The ranker: `in-process://` in the API, or the ranking service at `http://host:port` (`npm run service:ranking`). */
  RANKING_URL: url('RANKING_URL').default('in-process://'),
  /** The port a retrieval or ranking service process listens on (`platform/services/*.main.ts`). */
  SERVICE_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  /** HMAC key for signed URLs and playback tokens; generated into DATA_DIR/secret when unset. */
  SIGNING_SECRET: z.string().min(32, 'SIGNING_SECRET must be at least 32 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Requests per minute per authenticated user and per client IP. */
  RATE_LIMIT_USER_PER_MIN: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_IP_PER_MIN: z.coerce.number().int().positive().default(1200),
  /**
   * Register/login attempts per minute per client IP, successful or not. Generous: a campus or carrier
   * NAT puts many people behind one address; guessing is held back by the two failure budgets below.
   */
  RATE_LIMIT_AUTH_PER_MIN: z.coerce.number().int().positive().default(300),
  /** New accounts per client IP per hour (on top of RATE_LIMIT_AUTH_PER_MIN). */
  REGISTRATIONS_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(100),
  /** Failed logins per account per 15 minutes; past it the account's logins answer 429 until the window ends. */
  LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(10),
  /**
   * Failed logins per client IP per 15 minutes, whatever the accounts; past it logins from that address
   * answer 429 until the window ends (credential stuffing: many accounts, few guesses each, one address).
   */
  LOGIN_FAILURES_PER_IP: z.coerce.number().int().positive().default(150),
  /** Requests with an unknown, expired or revoked bearer token per client IP per minute before 429. */
  INVALID_TOKENS_PER_IP_PER_MIN: z.coerce.number().int().positive().default(20),
  /** Videos one user may create (POST /videos or /videos/direct) per minute and per day. */
  UPLOADS_PER_USER_PER_MIN: z.coerce.number().int().positive().default(10),
  UPLOADS_PER_USER_PER_DAY: z.coerce.number().int().positive().default(200),
  /** Reports (POST /reports) one user may file per hour; repeated reports of one target are free no-ops. */
  REPORTS_PER_USER_PER_HOUR: z.coerce.number().int().positive().default(30),
  /**
   * Reports (from distinct users) of one video after which it is held from recommendation (For You,
   * trending) until a moderator decides its case.
   */
  REPORT_HOLD_THRESHOLD: z.coerce.number().int().positive().default(3),
  /** How often an open notification stream (GET /notifications/stream) looks for new notifications, in ms. */
  NOTIFICATIONS_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Seconds a notification stream stays open before it ends; the client reconnects with Last-Event-ID. */
  NOTIFICATIONS_STREAM_MAX_S: z.coerce.number().int().min(1).max(3600).default(300),
  /**
   * New anonymous device ids (X-Device-Id) one client address may introduce per hour whose playback
   * events count; events of later made-up devices are dropped, so they mint no views.
   */
  ANON_DEVICES_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(20),
  /** Seconds a session token stays valid. */
  SESSION_TTL_S: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3600),
  /**
   * Seconds a shared cache (the CDN) may serve public media before it revalidates with the origin. Browsers
   * still keep segments for a year; this bounds how long a deleted video stays reachable at the edge.
   */
  MEDIA_EDGE_TTL_S: z.coerce.number().int().min(1).max(86_400).default(60),
  /**
   * Seconds a playback token on non-public media (private and friends-only videos) stays valid, in the
   * video API and the feed alike. It bounds how long someone who lost access keeps playing a URL they were
   * given; an hour outlasts any clip and matches how long browsers keep private media (max-age=3600).
   */
  PLAYBACK_TOKEN_TTL_S: z.coerce.number().int().min(60).max(86_400).default(3600),
  /**
   * Milliseconds the media origin trusts a viewer's follows and blocks it read when it re-checks a playback
   * token's viewer: an unfollow or a block stops media already handed out within this bound (privacy edits
   * and deletions at once). 0 reads them on every request.
   */
  MEDIA_ACCESS_CACHE_MS: z.coerce.number().int().min(0).max(30_000).default(2000),
  /**
   * Seconds a created video may wait for its file before the sweeper deletes the draft (and its signed
   * upload URL, valid one hour, stops being accepted). At least the URL's hour.
   */
  DRAFT_TTL_S: z.coerce
    .number()
    .int()
    .min(3600)
    .default(24 * 3600),
  /**
   * Seconds the source file of a rejected upload (a bad file, not our own TRANSCODE_FAILED) is kept, for
   * an appeal, before the sweeper deletes it; 0 deletes it as soon as the video fails.
   */
  REJECTED_SOURCE_TTL_S: z.coerce
    .number()
    .int()
    .min(0)
    .max(90 * 24 * 3600)
    .default(0),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(200 * 1024 * 1024),
  /**
   * Handles granted the admin role (operator routes such as /api/v1/ops/status) when the server starts
   * and when they register. Comma-separated; removing a handle here does not demote it.
   */
  ADMIN_HANDLES: handles.default([]),
  /**
   * Bearer token a Prometheus scraper sends to GET /metrics (`authorization: { credentials: ... }` in its
   * scrape config). Without it only signed-in admins read the API's /metrics; a worker's metrics port
   * asks for it when set.
   */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** Run the transcode worker and event consumers inside the API process (the one-machine mode). */
  EMBEDDED_WORKERS: bool.default(true),
  /**
   * Which background services this process runs (the API's embedded workers, or a worker process):
   * comma-separated names from `transcode`, `transcode-sweeper`, `engagement-views`,
   * `engagement-features`, `engagement-counter-flush`, `log-retention`; unset runs them all. Lets
   * transcoding run in processes of its own beside an embedded API; with CACHE_URL=memory:// the views
   * consumer and the counter flush must stay in the API process, which owns the cached counters.
   */
  BACKGROUND_SERVICES: names.optional(),
  /**
   * Retention of the serve log (`served_items`) and of the engagement event log, s; 0 keeps everything.
   * Training reads both: keep them at least as long as its window. The embedded event log deletes only
   * events every consumer group has processed; a Kafka topic's retention is the broker's `retention.ms`.
   */
  SERVE_LOG_RETENTION_S: z.coerce.number().int().min(0).default(0),
  EVENT_LOG_RETENTION_S: z.coerce.number().int().min(0).default(0),
  /**
   * CDN pre-warm (`cdn-prewarm` background service): every CDN_PREWARM_EVERY_S the top CDN_PREWARM_TOP
   * trending public videos' master playlist, lowest rendition playlist, init and first segments are
   * requested through CDN_PREWARM_URL (the edge or the origin shield as the worker reaches it; default
   * PUBLIC_BASE_URL), so the cache has them before the swipes arrive. 0 turns it off (the default: on
   * one machine PUBLIC_BASE_URL is the API itself, with no cache in front).
   */
  CDN_PREWARM_EVERY_S: z.coerce.number().int().min(0).default(0),
  CDN_PREWARM_URL: url('CDN_PREWARM_URL').optional(),
  CDN_PREWARM_TOP: z.coerce.number().int().min(1).max(1000).default(50),
  /** How often the retention pass runs, s. */
  RETENTION_SWEEP_S: z.coerce.number().int().min(1).default(600),
  /** Videos the embedded transcode worker processes at once (each already uses every core for a long video; short clips gain from 2). */
  TRANSCODE_JOBS: z.coerce.number().int().min(1).max(16).default(1),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /**
   * API processes on this node (node cluster, one listening socket shared): set it to the number of
   * cores to use them all. Above 1 the cache must be shared (Redis), and the embedded workers run in
   * the first process only.
   */
  API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  /**
   * Requests one API process serves at once; past it a request is answered at once with 503 OVERLOADED
   * and `Retry-After` instead of queueing into timeouts. The health, readiness and metrics routes are
   * exempt. 0: no limit.
   */
  API_MAX_IN_FLIGHT: z.coerce.number().int().min(0).default(64),
  /**
   * How far past the heap a full GC left live an API process's V8 old generation may grow before the
   * next one, in per cent (platform/api/heap.ts). V8's own factor is up to 4x on a machine with memory:
   * with 100k videos ~120-200 MB stay live and the old space stood at 0.7-0.8 GB. 0: V8's default.
   */
  API_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(1000).default(50),
  /**
   * A worker process (`npm run worker`) serves its own `/metrics` on this port at HOST, since consumers
   * and sweeps count there, not in the API. 0: off.
   */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /**
   * A simulated clock for the user simulator and the demo: the platform's time is the system time plus
   * an offset that `POST /api/v1/sim/clock` moves forward, so simulated days pass in minutes. Off in
   * every real deployment; refused with NODE_ENV=production or with separate worker processes (their
   * clocks would not move with it).
   */
  SIM_CLOCK: bool.default(false),
  /** Folder holding feed.yaml and value-model.yaml (the feed's settings and A/B arms); the repository's experiments/ when unset. */
  FEED_CONFIG_DIR: z.string().min(1).optional(),
});

/** The parsed, frozen configuration. */
export type Config = Readonly<z.infer<typeof configSchema>>;

/** Raised with every bad variable at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError([`FORYOU_CONFIG: file not found: ${path}`]);
  const text = readFileSync(path, 'utf8');
  const data: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError([`FORYOU_CONFIG: ${path} must hold a mapping of VARIABLE: value`]);
  }
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]));
}

/** Rules between settings, each an issue when broken. */
function crossChecks(c: z.infer<typeof configSchema>): string[] {
  const out: string[] = [];
  if (c.SIM_CLOCK && c.NODE_ENV === 'production') out.push('SIM_CLOCK: a simulated clock is refused in production');
  if (c.SIM_CLOCK && !c.EMBEDDED_WORKERS)
    out.push('SIM_CLOCK: needs EMBEDDED_WORKERS=true (separate worker processes would keep the system clock)');
  if (c.API_PROCESSES > 1 && c.CACHE_URL.startsWith('memory:'))
    out.push('API_PROCESSES: more than one process needs a shared cache (CACHE_URL=redis://...), not memory://');
  if (c.API_PROCESSES > 1 && c.SIM_CLOCK) out.push('API_PROCESSES: the simulated clock lives in one process; use 1');
  return out;
}

/**
 * Parses the configuration once. The only place that reads `process.env`; pass `env` in tests.
 * Empty strings count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = env.FORYOU_CONFIG ? readConfigFile(env.FORYOU_CONFIG) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') merged[key] = v;
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const crossIssues = crossChecks(result.data);
  if (crossIssues.length > 0) throw new ConfigError(crossIssues);
  return Object.freeze(result.data);
}

/** Configuration for tests: defaults overridden by `overrides`, never reading the real environment. */
export function testConfig(overrides: Partial<Record<keyof z.infer<typeof configSchema>, string>> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides } as NodeJS.ProcessEnv);
}

/** For process entry points: the config, or every bad variable on stderr and exit code 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
