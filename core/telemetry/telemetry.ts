import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';
import { createLogger, type DestinationStream, type LevelWithSilent, type Logger } from './logger.ts';
import { StatusBoard } from './status.ts';

/** How a telemetry is made: a level (from LOG_LEVEL), or a logger of one's own. */
export interface TelemetryOptions {
  level?: LevelWithSilent;
  /** Where log lines go (stdout by default); tests pass a stream that keeps them. */
  destination?: DestinationStream;
  /** Node's process metrics (CPU, memory, event loop) on this registry; default true. */
  processMetrics?: boolean;
  /** Repeats of one failure within this window are counted but logged once (default 10 s). */
  repeatWindowMs?: number;
  now?: () => number;
}

/** One component's view of the telemetry: its child logger and a way to report a failure it absorbed. */
export interface Component {
  readonly name: string;
  readonly log: Logger;
  /**
   * A failure the component survives (it retries, degrades or skips): logged at warn with `context` and
   * counted in `foryou_errors_total{component}`. Repeats of the same message within the repeat window
   * are counted but not logged; the next logged line says how many were left out (`repeats`).
   */
  failed(err: unknown, message: string, context?: Record<string, unknown>): void;
}

type Labels<T extends string> = readonly T[];

/**
 * The process's logger, metrics registry and status board. One per process (one per app in tests, which
 * build many in one process). Metric families are get-or-create by name, so two components declaring the
 * same family share it. Labels must have bounded values: component ids, groups, stages — never user ids.
 */
export class Telemetry {
  readonly logger: Logger;
  readonly registry = new Registry();
  readonly status = new StatusBoard();
  readonly startedAt: number;
  readonly #errors: Counter<'component'>;
  readonly #components = new Map<string, Component>();
  readonly #repeats = new Map<string, { at: number; left: number }>();
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(opts: TelemetryOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#windowMs = opts.repeatWindowMs ?? 10_000;
    this.startedAt = this.#now();
    this.logger = createLogger({
      level: opts.level ?? 'info',
      ...(opts.destination ? { destination: opts.destination } : {}),
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#errors = this.counter({
      name: 'foryou_errors_total',
      help: 'Failures a component absorbed (logged, then retried, degraded or skipped), by component',
      labelNames: ['component'],
    });
  }

  /** The component's logger (`component` bound on every line) and failure reporter; cached by name. */
  component(name: string): Component {
    let c = this.#components.get(name);
    if (!c) {
      const log = this.logger.child({ component: name });
      c = { name, log, failed: (err, message, context) => this.#failed(name, log, err, message, context) };
      this.#components.set(name, c);
    }
    return c;
  }

  counter<T extends string>(cfg: CounterConfiguration<T> & { labelNames?: Labels<T> }): Counter<T> {
    return this.#family(cfg.name, Counter, () => new Counter({ ...cfg, registers: [this.registry] }));
  }

  gauge<T extends string>(cfg: GaugeConfiguration<T> & { labelNames?: Labels<T> }): Gauge<T> {
    return this.#family(cfg.name, Gauge, () => new Gauge({ ...cfg, registers: [this.registry] }));
  }

  histogram<T extends string>(cfg: HistogramConfiguration<T> & { labelNames?: Labels<T> }): Histogram<T> {
    return this.#family(cfg.name, Histogram, () => new Histogram({ ...cfg, registers: [this.registry] }));
  }

  /** Seconds since this telemetry (the app) started. */
  uptimeS(): number {
    return (this.#now() - this.startedAt) / 1000;
  }

  #family<M>(name: string, kind: abstract new (...args: never[]) => M, create: () => M): M {
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (!(existing instanceof kind)) throw new Error(`metric ${name} is already registered as another type`);
    return existing;
  }

  #failed(name: string, log: Logger, err: unknown, message: string, context?: Record<string, unknown>): void {
    this.#errors.inc({ component: name });
    const key = `${name}\u0000${message}`;
    const now = this.#now();
    const seen = this.#repeats.get(key);
    if (seen && now - seen.at < this.#windowMs) {
      seen.left++;
      return;
    }
    // Keys are component × message, both from code, so the map stays small; the clear is a safety net.
    if (this.#repeats.size > 1_000) this.#repeats.clear();
    this.#repeats.set(key, { at: now, left: 0 });
    log.warn({ err, ...context, ...(seen?.left ? { repeats: seen.left } : {}) }, message);
  }
}
