import { describe, expect, it } from 'vitest';
import { failureReason, sanitiseDetail } from './failure-reasons.ts';

describe('failureReason', () => {
  it('is null for a video that did not fail', () => {
    expect(failureReason(null, null)).toBeNull();
  });

  it('gives the sentence of the code and the detail about the file', () => {
    expect(failureReason('TRUNCATED_FILE', 'the file says it lasts 5.0 s but only 1.6 s of video could be read')).toBe(
      'The video file is incomplete: it stops before the length it claims. Upload it again. (the file says it lasts 5.0 s but only 1.6 s of video could be read)',
    );
    expect(failureReason('BAD_DIMENSIONS', '')).toBe(
      'The picture size is not supported (too small, too large, or too narrow).',
    );
  });

  it('never shows the detail of a failure on our side', () => {
    expect(failureReason('TRANSCODE_FAILED', 'ECONNREFUSED 10.0.0.3:9000 at /srv/foryou/core/objects/s3.ts:88')).toBe(
      'Processing failed on our side. Try uploading again later.',
    );
    expect(failureReason('SOMETHING_NEW', 'x')).toBe('Processing failed on our side. Try uploading again later.');
  });
});

describe('sanitiseDetail', () => {
  it('removes ffmpeg context addresses, level tags, temp paths and file URLs', () => {
    const raw =
      '[h264 @ 0x559076bc7140] [error] Invalid NAL unit size (6445 > 4569). at 0x7ffd2a1b3c40 in file:/tmp/foryou-transcode-x/source\n/var/tmp/a b.mp4: partial file';
    const out = sanitiseDetail(raw);
    expect(out).toBe('Invalid NAL unit size (6445 > 4569). at in the file the file b.mp4: partial file');
    expect(out).not.toMatch(/0x|\/tmp|\/var/);
  });

  it('caps the length', () => {
    expect(sanitiseDetail('a '.repeat(400)).length).toBeLessThanOrEqual(240);
  });
});
