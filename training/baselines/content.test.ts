import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../data/synthetic.ts';
import { contentRetrieval } from './content.ts';

describe('content retriever (the serving content index offline)', () => {
  it("ranks the videos sharing a history video's tag and author first; nothing for a user without history", async () => {
    const ds = generateSynthetic({ users: 20, videos: 60, examples: 200, clusters: 3, seed: 4 });
    const m = await contentRetrieval(ds);
    const seed = ds.videos[0]!;
    const [scores, empty] = m.scoreAll([
      { user: 0, timeMs: 0, history: [0] },
      { user: 1, timeMs: 0, history: [] },
    ]);
    const alike = ds.videos
      .map((v, i) => ({ v, i }))
      .filter(({ v, i }) => i > 0 && v.author === seed.author && v.tags.join() === seed.tags.join());
    const other = ds.videos
      .map((v, i) => ({ v, i }))
      .filter(({ v }) => v.author !== seed.author && !v.tags.some((t) => seed.tags.includes(t)));
    expect(alike.length).toBeGreaterThan(0);
    expect(other.length).toBeGreaterThan(0);
    const min = Math.min(...alike.map(({ i }) => scores![i]!));
    const max = Math.max(...other.map(({ i }) => scores![i]!));
    expect(min).toBeGreaterThan(max);
    expect([...empty!].every((x) => x === 0)).toBe(true);
  });
});
