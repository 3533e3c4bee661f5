import { z } from 'zod';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { decodeCursor, encodeCursor } from '../engagement/cursor.ts';

/** The filters and page of the operator's catalogue listing. */
export const opsVideosQuery = z.object({
  status: z.enum(['uploading', 'processing', 'ready', 'failed']).optional().describe('Only videos in this state'),
  author_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'author_id: 1-64 of [A-Za-z0-9_-]')
    .optional()
    .describe("Only this user's videos"),
  include_deleted: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Also list deleted videos (default false)'),
  cursor: z.string().max(400).optional().describe('next_cursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** One catalogue row as an operator sees it: every state, privacy and label, with its author's account privacy. */
export const opsVideo = z.object({
  id: z.string(),
  author: z.object({ id: z.string(), handle: z.string() }),
  caption: z.string(),
  status: z.enum(['uploading', 'processing', 'ready', 'failed']),
  privacy: z.enum(['public', 'friends', 'private']),
  author_private: z.boolean().describe("Whether the author's account is private"),
  moderation: z.enum(['none', 'held', 'limited', 'removed']),
  failure_code: z.string().nullable(),
  created_at: z.number(),
  processed_at: z.number().nullable(),
  deleted_at: z.number().nullable(),
});
export const opsVideoPage = z.object({ items: z.array(opsVideo), next_cursor: z.string().nullable() });

type Row = {
  id: string;
  author_id: string;
  handle: string | null;
  caption: string;
  status: string;
  privacy: string;
  author_private: number;
  moderation: string;
  failure_code: string | null;
  created_at: number;
  processed_at: number | null;
  deleted_at: number | null;
};
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The whole catalogue for an operator, newest first by (created_at, id), whatever each video's access. */
export async function listCatalogue(
  db: SqlExecutor,
  q: z.infer<typeof opsVideosQuery>,
): Promise<z.infer<typeof opsVideoPage>> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const param = (v: string | number) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (!q.include_deleted) where.push('v.deleted_at IS NULL');
  if (q.status) where.push(`v.status = ${param(q.status)}`);
  if (q.author_id) where.push(`v.author_id = ${param(q.author_id)}`);
  if (q.cursor) {
    const pos = decodeCursor(q.cursor);
    const t = param(pos.t);
    where.push(`(v.created_at < ${t} OR (v.created_at = ${t} AND v.id < ${param(pos.id)}))`);
  }
  const rows = await db.all<Row>(
    `SELECT v.id, v.author_id, u.handle, v.caption, v.status, v.privacy, v.author_private, v.moderation,
            v.failure_code, v.created_at, v.processed_at, v.deleted_at
     FROM videos v LEFT JOIN users u ON u.id = v.author_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY v.created_at DESC, v.id DESC LIMIT ${param(q.limit + 1)}`,
    params,
  );
  const items = rows.slice(0, q.limit).map((r) => ({
    id: r.id,
    author: { id: r.author_id, handle: r.handle ?? '' },
    caption: r.caption ?? '',
    status: r.status as z.infer<typeof opsVideo>['status'],
    privacy: r.privacy as z.infer<typeof opsVideo>['privacy'],
    author_private: Number(r.author_private) === 1,
    moderation: r.moderation as z.infer<typeof opsVideo>['moderation'],
    failure_code: r.failure_code ?? null,
    created_at: Number(r.created_at),
    processed_at: num(r.processed_at),
    deleted_at: num(r.deleted_at),
  }));
  const last = rows.length > q.limit ? items[items.length - 1] : undefined;
  return { items, next_cursor: last ? encodeCursor({ t: last.created_at, id: last.id }) : null };
}
