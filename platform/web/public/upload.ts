// The upload page: create the video, PUT the file to its signed URL with progress, declare it
// complete, then poll until the transcode made it playable.
import { ApiError, api } from './api.ts';
import { ensureSignedIn } from './auth.ts';
import { toast } from './ui.ts';

const UPLOAD_TYPES = ['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska'];
const POLL_MS = 2000;
const POLL_LIMIT_MS = 15 * 60_000;

interface Created {
  video_id: string;
  upload_url: string;
  upload_method: 'PUT';
  upload_headers: Record<string, string>;
  max_bytes: number;
}

interface VideoStatus {
  video_id: string;
  status: 'uploading' | 'processing' | 'ready' | 'failed';
  failure_code: string | null;
  /** Why it failed, in words for the uploader (the server removes its own paths and tool internals). */
  failure_reason: string | null;
}

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
      reject(new ApiError('UPLOAD_FAILED', message, xhr.status));
    };
    xhr.onerror = () => reject(new ApiError('NETWORK', 'The upload was interrupted; try again.', 0));
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
      const created = await api<Created>('POST', '/videos', {
        caption: caption.value.trim(),
        hashtags: tags.value.split(/[\s,]+/).filter((t) => t !== ''),
        privacy: privacy.value,
        comment_setting: commentSetting.value,
        content_type: UPLOAD_TYPES.includes(f.type) ? f.type : 'video/mp4',
      });
      if (f.size > created.max_bytes) throw new ApiError('PAYLOAD_TOO_LARGE', 'The file is too large.', 413);
      say('Uploading…');
      await put(created.upload_url, f, created.upload_headers, (p) => {
        bar.value = p;
        say(`Uploading… ${Math.round(p * 100)}%`);
      });
      bar.value = 1;
      await api('POST', `/videos/${encodeURIComponent(created.video_id)}/complete`);
      say('Processing…');
      const started = Date.now();
      for (;;) {
        const v = await api<VideoStatus>('GET', `/videos/${encodeURIComponent(created.video_id)}/status`);
        if (v.status === 'ready') break;
        if (v.status === 'failed') throw new ApiError(v.failure_code ?? 'FAILED', rejectionText(v), 0);
        if (Date.now() - started > POLL_LIMIT_MS) throw new ApiError('TIMEOUT', 'Processing is taking too long.', 0);
        await sleep(POLL_MS);
      }
      say('Ready!');
      form.reset();
      picked.textContent = 'Choose a video';
      toast('Your video is live');
      onReady(created.video_id);
    } catch (err) {
      say(err instanceof Error ? err.message : 'The upload failed.');
      toast(err);
    } finally {
      submit.disabled = false;
    }
  });
}
