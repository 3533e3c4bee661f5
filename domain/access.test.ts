import { describe, expect, it } from 'vitest';
import { type Access, canView, NO_RELATION, openToAnyone, recommendable, videoAccess } from './access.ts';

const AUTHOR = 'author';
const video = (privacy: string, more: { status?: string; deleted?: boolean; moderation?: string } = {}) => ({
  authorId: AUTHOR,
  privacy,
  ...more,
});

// viewer id, relation to the author
const viewers = {
  owner: [AUTHOR, NO_RELATION],
  follower: ['fan', { mutual: false, blocked: false }],
  mutual: ['friend', { mutual: true, blocked: false }],
  stranger: ['someone', NO_RELATION],
  blocked: ['enemy', { mutual: false, blocked: true }],
  'blocked mutual': ['ex', { mutual: true, blocked: true }],
  anonymous: [undefined, NO_RELATION],
} as const;

const expected: Record<keyof typeof viewers, Record<'public' | 'friends' | 'private', Access>> = {
  owner: { public: 'visible', friends: 'visible', private: 'visible' },
  follower: { public: 'visible', friends: 'hidden', private: 'hidden' },
  mutual: { public: 'visible', friends: 'visible', private: 'hidden' },
  stranger: { public: 'visible', friends: 'hidden', private: 'hidden' },
  blocked: { public: 'blocked', friends: 'blocked', private: 'blocked' },
  'blocked mutual': { public: 'blocked', friends: 'blocked', private: 'blocked' },
  anonymous: { public: 'visible', friends: 'hidden', private: 'hidden' },
};

describe('videoAccess', () => {
  for (const [who, [id, rel]] of Object.entries(viewers)) {
    for (const privacy of ['public', 'friends', 'private'] as const) {
      const want = expected[who as keyof typeof viewers][privacy];
      it(`${who} × ${privacy} → ${want}`, () => {
        expect(videoAccess(id, video(privacy, { status: 'ready' }), rel)).toBe(want);
        expect(canView(id, video(privacy, { status: 'ready' }), rel)).toBe(want === 'visible');
      });
    }
  }

  it('shows an upload that is not ready only to its author', () => {
    for (const status of ['uploading', 'processing', 'failed']) {
      expect(canView(AUTHOR, video('public', { status }), NO_RELATION)).toBe(true);
      expect(canView('someone', video('public', { status }), NO_RELATION)).toBe(false);
      expect(canView(undefined, video('public', { status }), NO_RELATION)).toBe(false);
    }
  });

  it('hides a deleted video from everyone, its author included', () => {
    expect(canView(AUTHOR, video('public', { deleted: true }), NO_RELATION)).toBe(false);
  });

  it('hides a video a moderator removed from everyone, its author included, and closes its media', () => {
    for (const [id, rel] of Object.values(viewers)) {
      expect(videoAccess(id, video('public', { status: 'ready', moderation: 'removed' }), rel)).toBe('hidden');
    }
    expect(openToAnyone({ privacy: 'public', moderation: 'removed' })).toBe(false);
  });

  it('keeps held and limited videos visible but not recommendable', () => {
    for (const moderation of ['held', 'limited']) {
      expect(canView('someone', video('public', { status: 'ready', moderation }), NO_RELATION)).toBe(true);
      expect(openToAnyone({ privacy: 'public', moderation })).toBe(true);
      expect(recommendable({ moderation })).toBe(false);
    }
    expect(recommendable({ moderation: 'none' })).toBe(true);
    expect(recommendable({})).toBe(true);
    expect(recommendable({ moderation: 'removed' })).toBe(false);
  });

  it('fails closed on a privacy it does not know', () => {
    expect(canView('friend', video('followers_only'), { mutual: true, blocked: false })).toBe(false);
    expect(openToAnyone({ privacy: 'followers_only' })).toBe(false);
    expect(openToAnyone({ privacy: 'public' })).toBe(true);
  });
});
