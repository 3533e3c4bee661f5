import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors/registry.ts';
import { commentsService } from './comments.service.ts';
import { encodeCursor } from './cursor.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

const codeOf = (e: unknown) => (isAppError(e) ? e.code : String(e));

describe('comments service', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await openFixture();
    for (const u of ['alice', 'bob', 'carol']) await f.addUser(u);
    await f.addVideo('v1', 'bob');
    await f.addVideo('v2', 'bob');
  });
  afterEach(() => f.close());

  it('trims content, rejects empty and over-long comments, and counts the rest', async () => {
    const comments = commentsService(f);
    const c = await comments.create('alice', 'v1', '  hello  ');
    expect(c).toMatchObject({ content: 'hello', parent_id: null, user: { id: 'alice', handle: 'alice' } });
    expect(codeOf(await comments.create('alice', 'v1', '   ').catch((e) => e))).toBe('VALIDATION_FAILED');
    expect(codeOf(await comments.create('alice', 'v1', 'x'.repeat(501)).catch((e) => e))).toBe('VALIDATION_FAILED');
    expect(await comments.create('alice', 'v1', `  ${'x'.repeat(500)}  `)).toMatchObject({ content: 'x'.repeat(500) });
    expect((await f.counters.get(['v1'])).get('v1')!.comments).toBe(2);
  });

  it('attaches replies one level deep and refuses a parent from another video', async () => {
    const comments = commentsService(f);
    const top = await comments.create('alice', 'v1', 'top');
    f.clock.advance(1);
    const reply = await comments.create('bob', 'v1', 'reply', top.id);
    f.clock.advance(1);
    const nested = await comments.create('carol', 'v1', 'reply to reply', reply.id);
    expect(reply.parent_id).toBe(top.id);
    expect(nested.parent_id).toBe(top.id);
    const other = await comments.create('alice', 'v2', 'elsewhere');
    expect(codeOf(await comments.create('bob', 'v1', 'x', other.id).catch((e) => e))).toBe('COMMENT_NOT_FOUND');
    const page = await comments.list('v1', undefined, { limit: 10 });
    expect(page.items.map((c) => [c.content, c.reply_count])).toEqual([['top', 2]]);
    const replies = await comments.list('v1', undefined, { limit: 10, parentId: top.id });
    expect(replies.items.map((c) => c.content)).toEqual(['reply', 'reply to reply']);
  });

  it('pages newest first by (created_at, id) with an opaque cursor, including ties in time', async () => {
    const comments = commentsService(f);
    const made = [];
    for (let i = 0; i < 7; i++) {
      if (i % 2 === 0) f.clock.advance(1000);
      made.push(await comments.create('alice', 'v1', `c${i}`));
    }
    // Same-millisecond comments fall back to id order.
    made.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await comments.list('v1', undefined, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((c) => c.content));
      if (!page.next_cursor) break;
      expect(page.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      cursor = page.next_cursor;
    }
    expect(seen).toEqual(made.map((c) => c.content));
  });

  it('answers 400 INVALID_CURSOR for a cursor it did not make', async () => {
    const comments = commentsService(f);
    for (const cursor of [
      '!!',
      'bm90IGpzb24',
      Buffer.from('{"t":1}').toString('base64url'),
      encodeCursor({ t: 1, id: '' }),
    ]) {
      expect(codeOf(await comments.list('v1', undefined, { limit: 3, cursor }).catch((e) => e))).toBe('INVALID_CURSOR');
    }
  });

  it('soft-deletes for the comment author or the video author only', async () => {
    const comments = commentsService(f);
    const a = await comments.create('alice', 'v1', 'mine');
    const b = await comments.create('carol', 'v1', 'theirs');
    expect(codeOf(await comments.remove('carol', a.id).catch((e) => e))).toBe('FORBIDDEN');
    await comments.remove('alice', a.id);
    await comments.remove('bob', b.id);
    expect(codeOf(await comments.remove('alice', a.id).catch((e) => e))).toBe('COMMENT_NOT_FOUND');
    expect(codeOf(await comments.remove('alice', 'missing').catch((e) => e))).toBe('COMMENT_NOT_FOUND');
    const row = await f.metadata.get<{ deleted_at: number }>('SELECT deleted_at FROM comments WHERE id = $1', [a.id]);
    expect(row?.deleted_at).toBe(f.clock.now());
    expect((await comments.list('v1', undefined, { limit: 10 })).items).toEqual([]);
    expect((await f.counters.get(['v1'])).get('v1')!.comments).toBe(0);
  });
});
