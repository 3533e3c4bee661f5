import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors/registry.ts';
import { blocksService } from './blocks.service.ts';
import { ENGAGEMENT_TOPIC } from './events.ts';
import { followsService } from './follows.service.ts';
import { profilesService } from './profiles.service.ts';
import { SHARE_CHANNELS, sharesService } from './shares.service.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

const codeOf = (e: unknown) => (isAppError(e) ? e.code : String(e));

describe('follows, profiles and shares', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await openFixture();
    for (const u of ['alice', 'bob', 'carol']) await f.addUser(u);
    await f.addVideo('v1', 'bob');
    await f.addVideo('v2', 'bob', { privacy: 'private' });
    await f.addVideo('v3', 'bob', { status: 'processing' });
  });
  afterEach(() => f.close());

  it('follows and unfollows idempotently with follower counts', async () => {
    const follows = followsService(f);
    expect(await follows.follow('alice', 'bob')).toEqual({ following: true, requested: false, follower_count: 1 });
    expect(await follows.follow('alice', 'bob')).toEqual({ following: true, requested: false, follower_count: 1 });
    expect(await follows.follow('carol', 'bob')).toEqual({ following: true, requested: false, follower_count: 2 });
    expect(await follows.unfollow('alice', 'bob')).toEqual({ following: false, requested: false, follower_count: 1 });
    expect(await follows.unfollow('alice', 'bob')).toEqual({ following: false, requested: false, follower_count: 1 });
    const types = (await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 10)).map((e) => (e.value as { type: string }).type);
    expect(types).toEqual(['follow', 'follow', 'unfollow']);
  });

  it('refuses following yourself (400) and unknown users (404)', async () => {
    const follows = followsService(f);
    expect(codeOf(await follows.follow('alice', 'alice').catch((e) => e))).toBe('VALIDATION_FAILED');
    expect(codeOf(await follows.follow('alice', 'ghost').catch((e) => e))).toBe('USER_NOT_FOUND');
  });

  it('shows profile counts as the viewer may see them', async () => {
    const follows = followsService(f);
    await follows.follow('alice', 'bob');
    await follows.follow('bob', 'carol');
    const profiles = profilesService(f);
    expect(await profiles.get('bob', 'alice')).toMatchObject({
      handle: 'bob',
      follower_count: 1,
      following_count: 1,
      video_count: 1,
      followed_by_viewer: true,
    });
    expect(await profiles.get('bob', 'bob')).toMatchObject({ video_count: 3, followed_by_viewer: false });
    expect(await profiles.get('bob', undefined)).toMatchObject({ video_count: 1, followed_by_viewer: false });
    expect(codeOf(await profiles.get('ghost', undefined).catch((e) => e))).toBe('USER_NOT_FOUND');
  });

  it('counts profile videos by the access rule: friends-only for mutual followers; no profile across a block', async () => {
    await f.addUser('dora');
    await f.addUser('eve');
    await f.addVideo('d1', 'dora');
    await f.addVideo('d2', 'dora', { privacy: 'friends' });
    const follows = followsService(f);
    await follows.follow('eve', 'dora');
    const profiles = profilesService(f);
    expect((await profiles.get('dora', 'eve')).video_count).toBe(1);
    await follows.follow('dora', 'eve');
    expect((await profiles.get('dora', 'eve')).video_count).toBe(2);
    await blocksService(f).block('dora', 'eve');
    expect(codeOf(await profiles.get('dora', 'eve').catch((e) => e))).toBe('USER_NOT_FOUND');
    expect((await profiles.get('dora', 'dora')).video_count).toBe(2);
  });

  it('records every share with its channel and counts them', async () => {
    const shares = sharesService(f);
    expect((await shares.share('alice', 'v1', 'whatsapp')).share_count).toBe(1);
    expect((await shares.share('alice', 'v1', 'sms')).share_count).toBe(2);
    const rows = await f.metadata.all<{ channel: string }>('SELECT channel FROM shares ORDER BY channel');
    expect(rows.map((r) => r.channel)).toEqual(['sms', 'whatsapp']);
    expect(SHARE_CHANNELS).toContain('copy_link');
    expect(codeOf(await shares.share('alice', 'v2', 'sms').catch((e) => e))).toBe('VIDEO_NOT_FOUND');
  });
});
