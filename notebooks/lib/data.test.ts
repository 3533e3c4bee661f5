import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayOf, kuairandAvailable, loadNotebookData } from './data.ts';
import { notebookSettings } from './settings.ts';

describe('notebook data', () => {
  it('falls back to the synthetic dataset when the KuaiRand folder is missing, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-kuairand-'));
    try {
      expect(kuairandAvailable(dir)).toBe(false);
      const d = await loadNotebookData(notebookSettings({ FORYOU_KUAIRAND_DIR: dir }));
      expect(d.source).toBe('synthetic');
      expect(d.description).toContain('the seeded synthetic dataset');
      expect(d.dataset.train.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses KuaiRand asked for by name when its files are not there, and unknown choices', async () => {
    await expect(
      loadNotebookData(notebookSettings({ FORYOU_NOTEBOOK_DATA: 'kuairand', FORYOU_KUAIRAND_DIR: '/nonexistent' })),
    ).rejects.toThrow(/not found/);
    expect(() => notebookSettings({ FORYOU_NOTEBOOK_DATA: 'movielens' })).toThrow();
  });

  it('labels days in Beijing time, as KuaiRand does', () => {
    expect(dayOf(1651680000000)).toBe('05-05'); // midnight 05-05 UTC+8 = 16:00 05-04 UTC
    expect(dayOf(1651680000000 - 1)).toBe('05-04');
  });
});
