/**
 * The one example schema every trainer, baseline and evaluator reads. Loaders map KuaiRand logs,
 * the platform's own event log and the synthetic generator into it, so the same code trains on each.
 */
import type { Labels } from '../../feature-store/signals.ts';
import type { Vocab } from '../../model-format/vocab.ts';

export type { Labels, Vocab };

/** One impression: a video shown to a user at a time, with what the user did. */
export interface Example {
  /** Dense user index into `Dataset.users`. */
  user: number;
  /** Dense video index into `Dataset.videos`. */
  video: number;
  /** Epoch ms (authoritative time). */
  timeMs: number;
  /** The app surface (KuaiRand `tab`); 0 when unknown. */
  tab: number;
  labels: Labels;
}

/** Static user attributes; categorical values are small non-negative ints (0 = unknown). */
export interface UserRow {
  /** The source's own id (KuaiRand user_id or platform user id). */
  externalId: string;
  /** Categorical features, same length for every user. */
  cats: number[];
  /** Numeric features, already normalised to about [-3, 3]. */
  nums: number[];
  /** Pre-period history, oldest first: video indices the user watched / liked / long-viewed. */
  historyWatch: number[];
  historyLike: number[];
  historyLong: number[];
}

/** Static video attributes. */
export interface VideoRow {
  externalId: string;
  /** Dense author index (0 = unknown). */
  author: number;
  /** Tag indices (0 = none); at most a few per video. */
  tags: number[];
  /** Duration bucket index (0 = unknown). */
  durationBucket: number;
  /** Length in ms (0 = unknown): what the features measure watch time against. */
  durationMs: number;
  /** Upload time, epoch ms (0 when unknown). */
  uploadMs: number;
  /** Other categorical content features (video type, upload type, music type…), 0 = unknown. */
  cats: number[];
}

/** A loaded dataset with its temporal split. Examples are sorted by time. */
export interface Dataset {
  name: string;
  /** sha256 of the inputs, recorded in model metadata. */
  dataHash: string;
  users: UserRow[];
  videos: VideoRow[];
  vocab: Vocab;
  /**
   * External keys of the author and tag rows (`authors[k]` keys author index k, 0 = unknown = ''), where
   * the source has stable ones: a warm start carries those rows from one dataset's model to the next.
   */
  keys?: { authors: string[]; tags: string[] };
  train: Example[];
  validation: Example[];
  test: Example[];
}
