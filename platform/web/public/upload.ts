// The upload page: create the video, PUT the file to its signed URL with progress, declare it
// complete, then poll until the transcode made it playable.
import type { Operations, ResponseOf } from '../../client/index.ts';
import { ApiError, call } from './api.ts';
import { ensureSignedIn } from './auth.ts';
import { toast } from './ui.ts';

type Create = Operations['POST /api/v1/videos']['body'];
type UploadType = NonNullable<Create['content_type']>;

const UPLOAD_TYPES: readonly string[] = [
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-matroska',
] satisfies UploadType[];
const POLL_MS = 2000;
const POLL_LIMIT_MS = 15 * 60_000;

type VideoStatus = ResponseOf<'GET /api/v1/videos/{id}/status'>;

/** PUTs `file` with XMLHttpRequest, the only browser API that reports upload progress. */
function put(url: string, file: File, headers: Record<string, string>, onProgress: (f: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let message = `The upload failed (${xhr.status}).`;
      try {
        message = (JSON.parse(xhr.responseText) as { error: { message: string } }).error.message;
      } catch {
        // Object stores answer XML or nothing: keep the status.
      }
      reject(new ApiError(xhr.status, 'UPLOAD_FAILED', message));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The upload was interrupted; try again.'));
    xhr.send(file);
  });
}

/** What the upload page says about a failed video: the reason, then the stable code to quote to support. */
export function rejectionText(v: Pick<VideoStatus, 'failure_code' | 'failure_reason'>): string {
  const reason = v.failure_reason ?? 'Processing failed.';
  return v.failure_code ? `${reason} [${v.failure_code}]` : reason;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wires the upload form in index.html; `onReady` gets the id of a video that finished processing. */
export function initUpload(page: HTMLElement, onReady: (videoId: string) => void): void {
  const form = page.querySelector<HTMLFormElement>('form')!;
  const file = form.querySelector<HTMLInputElement>('input[type=file]')!;
  const caption = form.querySelector<HTMLTextAreaElement>('textarea[name=caption]')!;
  const tags = form.querySelector<HTMLInputElement>('input[name=hashtags]')!;
  const privacy = form.querySelector<HTMLSelectElement>('select[name=privacy]')!;
  const commentSetting = form.querySelector<HTMLSelectElement>('select[name=comment_setting]')!;
  const submit = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
  const bar = page.querySelector<HTMLProgressElement>('progress')!;
  const status = page.querySelector<HTMLElement>('.upload-status')!;
  const picked = page.querySelector<HTMLElement>('.picked')!;

  const say = (text: string) => {
    status.textContent = text;
  };
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    picked.textContent = f ? `${f.name} · ${(f.size / 1e6).toFixed(1)} MB` : 'Choose a video';
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) return toast('Choose a video first.');
    if (!(await ensureSignedIn('Log in to upload videos.'))) return;
    submit.disabled = true;
    bar.value = 0;
    bar.hidden = false;
    try {
      say('Creating…');
      const created = await call('POST /api/v1/videos', {
        body: {
          caption: caption.value.trim(),
          hashtags: tags.value.split(/[\s,]+/).filter((t) => t !== ''),
          // The selects offer only the API's values; other file types go as mp4 and the server probes them.
          privacy: privacy.value as Create['privacy'],
          comment_setting: commentSetting.value as Create['comment_setting'],
          content_type: (UPLOAD_TYPES.includes(f.type) ? f.type : 'video/mp4') as UploadType,
        },
      });
      if (f.size > created.max_bytes) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', 'The file is too large.');
      say('Uploading…');
      await put(created.upload_url, f, created.upload_headers, (p) => {
        bar.value = p;
        say(`Uploading… ${Math.round(p * 100)}%`);
      });
      bar.value = 1;
      await call('POST /api/v1/videos/{id}/complete', { path: { id: created.video_id } });
      say('Processing…');
      const started = Date.now();
      for (;;) {
        const v = await call('GET /api/v1/videos/{id}/status', { path: { id: created.video_id } });
        if (v.status === 'ready') break;
        if (v.status === 'failed') throw new ApiError(422, v.failure_code ?? 'FAILED', rejectionText(v));
        if (Date.now() - started > POLL_LIMIT_MS) throw new ApiError(0, 'TIMEOUT', 'Processing is taking too long.');
        await sleep(POLL_MS);
      }
      say('Ready!');
      form.reset();
      picked.textContent = 'Choose a video';
      toast('Your video is live');
      onReady(created.video_id);
    } catch (err) {
      say(err instanceof ApiError ? err.serverMessage : err instanceof Error ? err.message : 'The upload failed.');
      toast(err);
    } finally {
      submit.disabled = false;
    }
  });
}
