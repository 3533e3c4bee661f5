/**
 * Text from users shown to other users: C0/C1 control characters and the bidirectional overrides,
 * embeddings and isolates (which can make a caption or name read backwards, "Trojan Source") are
 * removed. Line breaks and tabs survive where a field allows several lines.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above, with line breaks and tabs too.
const CONTROL_SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F]/g;
/** LRM, RLM, ALM and the embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069. */
const BIDI = /[\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]/g;

/** Multi-line text (captions, comments) without control or bidi-control characters. */
export function cleanMultiline(s: string): string {
  return s.replace(CONTROL, '').replace(BIDI, '');
}

/** One-line text (display names) without any control character, line break or bidi control. */
export function cleanSingleLine(s: string): string {
  return s.replace(CONTROL_SINGLE_LINE, '').replace(BIDI, '');
}
