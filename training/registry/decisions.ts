import { newId } from '../../core/ids.ts';
import type { SqlExecutor, SqlValue } from '../../core/metadata/ports.ts';

/** What happened to a model version. */
export type DecisionAction =
  | 'gate_passed'
  | 'gate_failed'
  | 'canary_started'
  | 'canary_superseded'
  | 'promoted'
  | 'canary_passed'
  | 'rolled_back';

/** One row of the lineage log: a decision about `name@version`, by `actor` (a person or a process). */
export interface ModelDecision {
  id: string;
  name: string;
  version: string;
  action: DecisionAction;
  /** Who or what decided: `trainer-loop`, `canary-guardrails`, `cli:<user>`. */
  actor: string;
  reason: string;
  details: Record<string, unknown>;
  at: number;
}

interface Row {
  id: string;
  name: string;
  version: string;
  action: DecisionAction;
  actor: string;
  reason: string;
  details: string;
  at: number;
}

/**
 * The registry's decision log (table `model_decisions`): gate verdicts, promotions and rollbacks with
 * their actor and reason, so every production version can be traced to the data, code and check that
 * let it through. Append-only.
 */
export class DecisionLog {
  readonly #db: SqlExecutor;
  readonly #now: () => number;
  constructor(db: SqlExecutor, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async record(d: Omit<ModelDecision, 'id' | 'at'> & { at?: number }): Promise<ModelDecision> {
    const at = d.at ?? this.#now();
    const row: ModelDecision = { ...d, id: newId(at), at };
    await this.#db.run(
      'INSERT INTO model_decisions (id, name, version, action, actor, reason, details, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [row.id, row.name, row.version, row.action, row.actor, row.reason, JSON.stringify(row.details), row.at],
    );
    return row;
  }

  /** Decisions, oldest first; one model's (and one version's) when given. */
  async list(name?: string, version?: string): Promise<ModelDecision[]> {
    const where: string[] = [];
    const args: SqlValue[] = [];
    if (name) where.push(`name = $${args.push(name)}`);
    if (version) where.push(`version = $${args.push(version)}`);
    const rows = await this.#db.all<Row>(
      `SELECT * FROM model_decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at, id`,
      args,
    );
    return rows.map((r) => ({ ...r, at: Number(r.at), details: JSON.parse(r.details) as Record<string, unknown> }));
  }
}
