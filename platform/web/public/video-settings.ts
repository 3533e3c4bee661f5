// The author's settings of one of their videos (PATCH /videos/:id): who can watch it and who can comment.
import type { Operations } from '../../client/index.ts';
import { call } from './api.ts';
import { h, openSheet, toast } from './ui.ts';

type Patch = NonNullable<Operations['PATCH /api/v1/videos/{id}']['body']>;

const PRIVACY: readonly [NonNullable<Patch['privacy']>, string][] = [
  ['public', 'Everyone'],
  ['friends', 'Friends (followers you follow back)'],
  ['private', 'Only me'],
];
const COMMENTS: readonly [NonNullable<Patch['comment_setting']>, string][] = [
  ['everyone', 'Everyone who can watch'],
  ['followers', 'Your followers'],
  ['off', 'No one (comments off)'],
];

function select(name: string, options: readonly [string, string][], value: string): HTMLSelectElement {
  return h('select', { name }, ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

/** Opens the settings sheet of the caller's video `videoId`, filled with its current settings. */
export async function openVideoSettings(videoId: string): Promise<void> {
  let video: { privacy: string; comment_setting: string };
  try {
    video = await call('GET /api/v1/videos/{id}', { path: { id: videoId } });
  } catch (err) {
    toast(err);
    return;
  }
  const sheet = openSheet('Video settings');
  const privacy = select('privacy', PRIVACY, video.privacy);
  const comments = select('comment_setting', COMMENTS, video.comment_setting);
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h(
    'form',
    { class: 'upload-form video-settings' },
    h('label', { class: 'field' }, 'Who can watch', privacy),
    h('label', { class: 'field' }, 'Who can comment', comments),
    save,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      await call('PATCH /api/v1/videos/{id}', {
        path: { id: videoId },
        body: {
          // Both selects offer only the values listed above.
          privacy: privacy.value as Patch['privacy'],
          comment_setting: comments.value as Patch['comment_setting'],
        },
      });
      sheet.close();
      toast('Saved');
    } catch (err) {
      save.disabled = false;
      toast(err);
    }
  });
  sheet.body.append(form);
}
