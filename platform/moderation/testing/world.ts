/**
 * A small world for the moderation and notification HTTP tests: registered users in every position of
 * the access matrix (owner, follower, stranger, blocked, moderator, anonymous) and ready videos.
 */
import { setRole } from '../../api/auth/users.repo.ts';
import { type BackendSet, buildTestApp } from '../../api/testing/harness.ts';
import { markVideoReadyWithoutMedia } from '../../media/testing/ready-video.ts';

export type Who = 'owner' | 'follower' | 'stranger' | 'blocked' | 'moderator' | 'anonymous' | string;
type Method = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/** The world: the app, each user's token and id, and calls as any of them. */
export async function moderationWorld(
  name: string,
  overrides: Record<string, string> = {},
  set: BackendSet = 'embedded',
) {
  const t = await buildTestApp(set, name, {
    EMBEDDED_WORKERS: 'false',
    RATE_LIMIT_USER_PER_MIN: '1000000',
    RATE_LIMIT_IP_PER_MIN: '1000000',
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
    ...overrides,
  });
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};

  const call = (method: Method, url: string, who: Who, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: token[who] ? { authorization: `Bearer ${token[who]}` } : {},
      ...(payload ? { payload } : {}),
    });
  /** [status, error code or undefined]. */
  const answer = async (method: Method, url: string, who: Who, payload?: object) => {
    const res = await call(method, url, who, payload);
    return [res.statusCode, res.statusCode >= 400 ? res.json().error.code : undefined];
  };

  async function register(who: string, role?: 'moderator' | 'admin'): Promise<void> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { handle: `${who}_u`, password: 'a long password' },
    });
    token[who] = res.json().token;
    id[who] = res.json().user.id;
    // Before the token's first use, so no cached session holds the old role.
    if (role) await setRole(t.deps.metadata, `${who}_u`, role);
  }

  async function readyVideo(who: Who, privacy: 'public' | 'friends' | 'private' = 'public'): Promise<string> {
    const res = await call('POST', '/api/v1/videos', who, { caption: `${who} video`, privacy });
    const videoId = res.json().video_id as string;
    await markVideoReadyWithoutMedia(t.deps.metadata, videoId);
    return videoId;
  }

  for (const who of ['owner', 'follower', 'stranger', 'blocked'] as const) await register(who);
  await register('moderator', 'moderator');
  await call('POST', `/api/v1/users/${id.owner}/follow`, 'follower');
  await call('POST', `/api/v1/users/${id.blocked}/block`, 'owner');

  return { t, token, id, call, answer, register, readyVideo };
}
