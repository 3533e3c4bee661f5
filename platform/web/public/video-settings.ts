// The author's settings of one of their videos (PATCH /videos/:id): who can watch it and who can comment.
import { api } from './api.ts';
import { h, openSheet, toast } from './ui.ts';

const PRIVACY: readonly [string, string][] = [
  ['public', 'Everyone'],
  ['friends', 'Friends (followers you follow back)'],
  ['private', 'Only me'],
];
const COMMENTS: readonly [string, string][] = [
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
    video = await api('GET', `/videos/${encodeURIComponent(videoId)}`);
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
      await api('PATCH', `/videos/${encodeURIComponent(videoId)}`, {
        privacy: privacy.value,
        comment_setting: comments.value,
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
