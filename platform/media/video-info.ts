/** The first video stream of a file, as the transcoder needs it. */
export interface VideoStreamInfo {
  codec: string;
  /** Coded size, before rotation. */
  width: number;
  height: number;
  /** Size as shown to the viewer: width and height swapped for a ±90° rotation. */
  displayWidth: number;
  displayHeight: number;
  /** Average frames per second; 0 when the file does not say. */
  fps: number;
  /** Clockwise degrees from the display matrix, normalised to 0, 90, 180 or 270. */
  rotation: number;
  pixelFormat: string | undefined;
  bitRate: number | undefined;
}

/** The first audio stream of a file. */
export interface AudioStreamInfo {
  codec: string;
  channels: number;
  sampleRate: number;
}

/** A media stream of any kind, for the record and for validation rules about extra streams. */
export interface StreamSummary {
  index: number;
  kind: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  codec: string;
  /** True for cover art stored as a video stream (an mp3's picture, say). */
  attachedPicture: boolean;
}

/**
 * What ffprobe found in an uploaded file, mapped to our own names. Domain code never sees ffprobe's
 * JSON. @remarks Holds only the first video and audio streams: the ladder uses no others.
 */
export interface VideoInfo {
  /** ffprobe's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`. */
  container: string;
  sizeBytes: number;
  /** Seconds; undefined when neither the container nor the video stream says. */
  durationS: number | undefined;
  bitRate: number | undefined;
  streams: StreamSummary[];
  video: VideoStreamInfo | undefined;
  audio: AudioStreamInfo | undefined;
}

/**
 * The outcome of probing a file: either it opened and we have its VideoInfo, or it did not and we keep
 * what the file's first bytes looked like so validation can tell garbage from a damaged video.
 */
export type ProbeOutcome =
  | { ok: true; info: VideoInfo }
  | { ok: false; sizeBytes: number; sniffed: SniffedKind; message: string };

/** What a file's magic bytes claim it is, before any demuxer runs. */
export type SniffedKind = 'mov' | 'matroska' | 'avi' | 'playlist' | 'empty' | 'unknown';
