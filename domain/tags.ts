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
