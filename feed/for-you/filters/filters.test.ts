import { describe, expect, it } from 'vitest';
import { candidate, ids, query, video } from '../testing/fixtures.ts';
import { emptyViewer } from '../types.ts';
import { alreadySeenFilter } from './already-seen.filter.ts';
import { blockedFilter } from './blocked.filter.ts';
import { notRecommendableFilter, removedFilter } from './moderation.filter.ts';
import { notInterestedFilter } from './not-interested.filter.ts';
import { notReadyFilter } from './not-ready.filter.ts';
import { privacyFilter } from './privacy.filter.ts';

const cands = (...vs: Parameters<typeof video>[]) => vs.map((args) => candidate(video(...args)));

describe('filters', () => {
  it('already_seen removes session-served and recently shown videos and keeps the rest in order', () => {
    const q = query({ sessionSeen: new Set(['a']), viewer: { ...emptyViewer(), recentImpressions: new Set(['c']) } });
    const r = alreadySeenFilter.apply(q, cands(['a'], ['b'], ['c'], ['d']));
    expect(ids(r.kept)).toEqual(['b', 'd']);
    expect(ids(r.removed)).toEqual(['a', 'c']);
  });

  it('blocked removes videos of creators blocked in either direction', () => {
    const q = query({ viewer: { ...emptyViewer(), blockedAuthors: new Set(['bad']) } });
    const r = blockedFilter.apply(q, cands(['a', { authorId: 'bad' }], ['b', { authorId: 'ok' }]));
    expect(ids(r.kept)).toEqual(['b']);
    expect(ids(r.removed)).toEqual(['a']);
  });

  it('not_interested removes marked videos and every video of marked creators', () => {
    const q = query({
      viewer: { ...emptyViewer(), notInterestedVideos: new Set(['a']), notInterestedAuthors: new Set(['meh']) },
    });
    const r = notInterestedFilter.apply(q, cands(['a'], ['b', { authorId: 'meh' }], ['c']));
    expect(ids(r.kept)).toEqual(['c']);
    expect(ids(r.removed)).toEqual(['a', 'b']);
  });

  it('privacy shows private videos only to their owner and friends-only videos to mutual followers', () => {
    const q = query({
      userId: 'me',
      viewer: { ...emptyViewer(), friends: new Set(['pal']), following: new Set(['pal', 'fan']) },
    });
    const r = privacyFilter.apply(
      q,
      cands(
        ['pub', { privacy: 'public', authorId: 'x' }],
        ['mine', { privacy: 'private', authorId: 'me' }],
        ['theirs', { privacy: 'private', authorId: 'pal' }],
        ['friend', { privacy: 'friends', authorId: 'pal' }],
        ['oneway', { privacy: 'friends', authorId: 'fan' }],
      ),
    );
    expect(ids(r.kept)).toEqual(['pub', 'mine', 'friend']);
    expect(ids(r.removed)).toEqual(['theirs', 'oneway']);
  });

  it('removed drops videos a moderator removed, by the live label when hydrated', () => {
    const live = (moderation: string) => ({
      status: 'ready',
      privacy: 'public',
      deleted: false,
      moderation,
      authorPrivate: false,
    });
    const r = removedFilter.apply(query(), [
      candidate(video('a', { moderation: 'removed' })),
      candidate(video('b'), { live: live('removed') }),
      candidate(video('c', { moderation: 'limited' })),
      candidate(video('d', { moderation: 'removed' }), { live: live('none') }),
    ]);
    expect(ids(r.kept)).toEqual(['c', 'd']);
    expect(ids(r.removed)).toEqual(['a', 'b']);
  });

  it('not_recommendable drops held and limited videos from recommendation', () => {
    const r = notRecommendableFilter.apply(
      query(),
      cands(['a', { moderation: 'limited' }], ['b', { moderation: 'held' }], ['c'], ['d', { moderation: 'none' }]),
    );
    expect(ids(r.kept)).toEqual(['c', 'd']);
    expect(ids(r.removed)).toEqual(['a', 'b']);
  });

  it('privacy prefers the live privacy over the catalogue (a video made private seconds ago)', () => {
    const c = candidate(video('v', { privacy: 'public' }), {
      live: { status: 'ready', privacy: 'private', deleted: false, authorPrivate: false },
    });
    expect(privacyFilter.apply(query(), [c]).removed).toHaveLength(1);
  });

  it('privacy shows a private account’s videos only to its followers, by the live account privacy when hydrated', () => {
    const q = query({ userId: 'me', viewer: { ...emptyViewer(), following: new Set(['closed']) } });
    const live = (authorPrivate: boolean) => ({ status: 'ready', privacy: 'public', deleted: false, authorPrivate });
    const r = privacyFilter.apply(q, [
      candidate(video('followed', { authorId: 'closed', authorPrivate: true })),
      candidate(video('stranger', { authorId: 'other', authorPrivate: true })),
      candidate(video('went-private', { authorId: 'other' }), { live: live(true) }),
      candidate(video('went-public', { authorId: 'other', authorPrivate: true }), { live: live(false) }),
    ]);
    expect(ids(r.kept)).toEqual(['followed', 'went-public']);
    expect(ids(r.removed)).toEqual(['stranger', 'went-private']);
    const anonymous = query({ userId: undefined, actor: 'd:dev' });
    expect(privacyFilter.apply(anonymous, cands(['a', { authorPrivate: true }])).removed).toHaveLength(1);
  });

  it('privacy keeps only public videos for an anonymous viewer', () => {
    const q = query({ userId: undefined, actor: 'd:dev' });
    const r = privacyFilter.apply(q, cands(['a', { privacy: 'private' }], ['b', { privacy: 'friends' }], ['c']));
    expect(ids(r.kept)).toEqual(['c']);
  });

  it('not_ready removes videos deleted or no longer ready since the catalogue refreshed, keeps unhydrated ones', () => {
    const live = (status: string, deleted: boolean) => ({ status, privacy: 'public', deleted, authorPrivate: false });
    const r = notReadyFilter.apply(query(), [
      candidate(video('ok'), { live: live('ready', false) }),
      candidate(video('gone'), { live: live('ready', true) }),
      candidate(video('redo'), { live: live('processing', false) }),
      candidate(video('unknown')),
    ]);
    expect(ids(r.kept)).toEqual(['ok', 'unknown']);
    expect(ids(r.removed)).toEqual(['gone', 'redo']);
  });
});
