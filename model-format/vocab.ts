/** Vocabulary sizes (max index + 1) so embeddings can be sized; saved in model metadata. */
export interface Vocab {
  users: number;
  videos: number;
  authors: number;
  tags: number;
  durationBuckets: number;
  userCats: number[];
  videoCats: number[];
  userNums: number;
}
