import { describe, expect, it } from 'vitest';
import { editedTags, hashtagsInCaption, normaliseTag, TAG_PATTERN, videoTags } from './tags.ts';

describe('normaliseTag', () => {
  it('gives "café", "Café", "#CAFÉ" and a decomposed "cafe\\u0301" the same tag', () => {
    const forms = ['café', 'Café', '#CAFÉ', ' cafe\u0301 ', 'CAFE\u0301'];
    expect(new Set(forms.map(normaliseTag))).toEqual(new Set(['café']));
    expect(TAG_PATTERN.test('café')).toBe(true);
  });

  it('folds fullwidth letters and digits to their plain forms', () => {
    expect(normaliseTag('ｃａｆé')).toBe('café');
    expect(normaliseTag('Ｄａｎｃｅ２０２６')).toBe('dance2026');
  });

  it('leaves ASCII hashtags as they were (lower case, digits, underscore)', () => {
    expect(normaliseTag('#Cooking_101')).toBe('cooking_101');
    expect(TAG_PATTERN.test('cooking_101')).toBe(true);
  });

  it('keeps other scripts, with their combining marks', () => {
    expect(TAG_PATTERN.test(normaliseTag('Ελλάδα'))).toBe(true);
    expect(normaliseTag('Ελλάδα')).toBe('ελλάδα');
    expect(TAG_PATTERN.test(normaliseTag('हिन्दी'))).toBe(true);
    expect(TAG_PATTERN.test(normaliseTag('日本'))).toBe(true);
  });

  it('refuses spaces, punctuation, empty tags and tags over 50 characters', () => {
    for (const bad of ['two words', 'a-b', 'x!', '', '#', 'a'.repeat(51)]) {
      expect(TAG_PATTERN.test(normaliseTag(bad)), bad).toBe(false);
    }
    expect(TAG_PATTERN.test('é'.repeat(50))).toBe(true);
  });
});

describe('hashtagsInCaption', () => {
  it('finds tags in order of first use, normalised and without repeats', () => {
    expect(hashtagsInCaption('#Cats and #ｆｕｎ, #cats! (#día_1)')).toEqual(['cats', 'fun', 'día_1']);
  });

  it('ignores a # glued to a word, a lone #, ## and a run longer than 50', () => {
    expect(hashtagsInCaption('C# a#b # ##x #' + 'a'.repeat(51))).toEqual([]);
    expect(hashtagsInCaption(`#${'a'.repeat(50)}.`)).toEqual(['a'.repeat(50)]);
  });
});

describe('videoTags and editedTags', () => {
  it("puts given tags first, adds the caption's and caps at 30", () => {
    expect(videoTags(['pets'], 'hello #cats #pets')).toEqual(['pets', 'cats']);
    const many = Array.from({ length: 29 }, (_, i) => `t${i}`);
    expect(videoTags(many, '#a #b')).toHaveLength(30);
  });

  it("drops the old caption's tags with it, keeps given ones, adds the new caption's", () => {
    const old = { hashtags: ['pets', 'cats'], caption: 'hello #cats' };
    expect(editedTags(old, { caption: 'now #dogs' })).toEqual(['pets', 'dogs']);
    expect(editedTags(old, { hashtags: ['birds'] })).toEqual(['birds', 'cats']);
  });
});
