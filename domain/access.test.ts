import { describe, expect, it } from 'vitest';
import {
  type Access,
  accountListsClosed,
  canView,
  NO_RELATION,
  OPEN_TO_ANYONE_SQL,
  openToAnyone,
  recommendable,
  videoAccess,
} from './access.ts';

const AUTHOR = 'author';
const video = (
  privacy: string,
  more: { status?: string; deleted?: boolean; moderation?: string; authorPrivate?: boolean } = {},
) => ({ authorId: AUTHOR, privacy, authorPrivate: false, ...more });

// viewer id, relation to the author
const viewers = {
  owner: [AUTHOR, NO_RELATION],
  follower: ['fan', { follows: true, mutual: false, blocked: false }],
  mutual: ['friend', { follows: true, mutual: true, blocked: false }],
  stranger: ['someone', NO_RELATION],
  blocked: ['enemy', { follows: false, mutual: false, blocked: true }],
  'blocked mutual': ['ex', { follows: true, mutual: true, blocked: true }],
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

  // A private account: approved followers only, and the video's own privacy still narrows it.
  const privateAccount: Record<keyof typeof viewers, Record<'public' | 'friends' | 'private', Access>> = {
    owner: { public: 'visible', friends: 'visible', private: 'visible' },
    follower: { public: 'visible', friends: 'hidden', private: 'hidden' },
    mutual: { public: 'visible', friends: 'visible', private: 'hidden' },
    stranger: { public: 'hidden', friends: 'hidden', private: 'hidden' },
    blocked: { public: 'blocked', friends: 'blocked', private: 'blocked' },
    'blocked mutual': { public: 'blocked', friends: 'blocked', private: 'blocked' },
    anonymous: { public: 'hidden', friends: 'hidden', private: 'hidden' },
  };
  for (const [who, [id, rel]] of Object.entries(viewers)) {
    for (const privacy of ['public', 'friends', 'private'] as const) {
      const want = privateAccount[who as keyof typeof viewers][privacy];
      it(`private account: ${who} × ${privacy} → ${want}`, () => {
        expect(videoAccess(id, video(privacy, { status: 'ready', authorPrivate: true }), rel)).toBe(want);
      });
    }
  }

  it('a pending request is not a follow: a requester sees a private account like a stranger', () => {
    const requester = { follows: false, mutual: false, blocked: false };
    expect(canView('asker', video('public', { status: 'ready', authorPrivate: true }), requester)).toBe(false);
  });

  it('closes a private account’s media to anyone without a token, and its lists to all but followers', () => {
    expect(openToAnyone({ privacy: 'public', authorPrivate: true })).toBe(false);
    expect(OPEN_TO_ANYONE_SQL).toContain("v.privacy = 'public'");
    expect(OPEN_TO_ANYONE_SQL).toContain('v.author_private = 0');
    expect(OPEN_TO_ANYONE_SQL).toContain("v.moderation <> 'removed'");
    const owner = { id: AUTHOR, private: true };
    expect(accountListsClosed('someone', owner, false)).toBe(true);
    expect(accountListsClosed(undefined, owner, false)).toBe(true);
    expect(accountListsClosed('fan', owner, true)).toBe(false);
    expect(accountListsClosed(AUTHOR, owner, false)).toBe(false);
    expect(accountListsClosed('someone', { id: AUTHOR, private: false }, false)).toBe(false);
  });

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
    expect(openToAnyone({ privacy: 'public', moderation: 'removed', authorPrivate: false })).toBe(false);
  });

  it('keeps held and limited videos visible but not recommendable', () => {
    for (const moderation of ['held', 'limited']) {
      expect(canView('someone', video('public', { status: 'ready', moderation }), NO_RELATION)).toBe(true);
      expect(openToAnyone({ privacy: 'public', moderation, authorPrivate: false })).toBe(true);
      expect(recommendable({ moderation })).toBe(false);
    }
    expect(recommendable({ moderation: 'none' })).toBe(true);
    expect(recommendable({})).toBe(true);
    expect(recommendable({ moderation: 'removed' })).toBe(false);
  });

  it('fails closed on a privacy it does not know', () => {
    expect(canView('friend', video('followers_only'), { follows: true, mutual: true, blocked: false })).toBe(false);
    expect(openToAnyone({ privacy: 'followers_only', authorPrivate: false })).toBe(false);
    expect(openToAnyone({ privacy: 'public', authorPrivate: false })).toBe(true);
  });
});
