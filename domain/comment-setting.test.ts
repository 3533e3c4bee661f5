import { describe, expect, it } from 'vitest';
import { commentRefusal } from './comment-setting.ts';

describe('commentRefusal', () => {
  const video = (commentSetting: string) => ({ authorId: 'author', commentSetting });

  it('lets everyone comment under everyone, only followers under followers, nobody under off', () => {
    expect(commentRefusal('x', video('everyone'), false)).toBeUndefined();
    expect(commentRefusal('x', video('followers'), true)).toBeUndefined();
    expect(commentRefusal('x', video('followers'), false)).toBe('COMMENTS_FOLLOWERS_ONLY');
    expect(commentRefusal('x', video('off'), true)).toBe('COMMENTS_OFF');
    expect(commentRefusal('x', video('unknown'), true)).toBe('COMMENTS_OFF');
  });

  it('always lets the author comment on their own video', () => {
    for (const s of ['everyone', 'followers', 'off']) expect(commentRefusal('author', video(s), false)).toBeUndefined();
  });
});
