/**
 * The one normaliser of hashtags and interests, so an interest picked as "Café" finds videos tagged
 * "#café" or "#ｃａｆé": a leading "#" and surrounding space dropped, Unicode NFKC (fullwidth and other
 * compatibility forms folded, accents composed), then lower case. Both the upload API's hashtags and
 * POST /me/interests go through it before they are stored, so stored tags compare with `===`.
 */
export function normaliseTag(raw: string): string {
  return raw.trim().replace(/^#/, '').normalize('NFKC').toLowerCase();
}

/** What a normalised tag may be: 1-50 letters (any script, with their combining marks), digits or "_". */
export const TAG_PATTERN = /^[\p{L}\p{M}\p{N}_]{1,50}$/u;

/** The message a client gets for a tag outside TAG_PATTERN. */
export const TAG_RULE = 'a tag is 1-50 letters, digits or _';

/** Most tags a video carries, given and parsed together. */
export const MAX_TAGS = 30;

// A "#" not glued to a word before it (so "C#" and "a#b" are not tags), then a run of tag characters
// that does not go on past 50 (a longer run is no tag at all rather than a cut one).
const CAPTION_TAG = /(?<![\p{L}\p{M}\p{N}_&#])#([\p{L}\p{M}\p{N}_]{1,50})(?![\p{L}\p{M}\p{N}_])/gu;

/**
 * The one parser of hashtags in a caption: "#Cats and #ｆｕｎ, #cats" gives ["cats", "fun"], each through
 * `normaliseTag`, in order of first use, without repeats.
 */
export function hashtagsInCaption(caption: string): string[] {
  const out = new Set<string>();
  for (const m of caption.normalize('NFKC').matchAll(CAPTION_TAG)) {
    const tag = normaliseTag(m[1] as string);
    if (TAG_PATTERN.test(tag)) out.add(tag);
  }
  return [...out];
}

/**
 * The tags a video is stored with: the ones given explicitly, then those its caption names, without
 * repeats, at most MAX_TAGS (given ones first).
 */
export function videoTags(given: readonly string[], caption: string): string[] {
  return [...new Set([...given, ...hashtagsInCaption(caption)])].slice(0, MAX_TAGS);
}

/**
 * The tags after an edit. Tags the old caption named go with it; tags given explicitly stay unless the
 * edit gives a new list; the new caption's tags are added.
 */
export function editedTags(
  old: { hashtags: readonly string[]; caption: string },
  edit: { hashtags?: readonly string[]; caption?: string },
): string[] {
  const fromOldCaption = new Set(hashtagsInCaption(old.caption));
  const given = edit.hashtags ?? old.hashtags.filter((t) => !fromOldCaption.has(t));
  return videoTags(given, edit.caption ?? old.caption);
}
