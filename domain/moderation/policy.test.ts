import { describe, expect, it } from 'vitest';
import { ACTIONS_BY_TARGET, caseRisk, reporterTrust } from './policy.ts';

describe('moderation policy', () => {
  it('trusts a newcomer halfway and moves with their decided reports', () => {
    expect(reporterTrust({ actioned: 0, dismissed: 0 })).toBe(0.5);
    expect(reporterTrust({ actioned: 10, dismissed: 0 })).toBeCloseTo(11 / 12);
    expect(reporterTrust({ actioned: 0, dismissed: 10 })).toBeCloseTo(1 / 12);
  });

  it('ranks by trusted reports times reach', () => {
    expect(caseRisk(5, 100_000)).toBeGreaterThan(caseRisk(5, 10));
    expect(caseRisk(0.9, 0)).toBeGreaterThan(caseRisk(0.1, 0));
    expect(caseRisk(1, 0)).toBe(1);
    expect(caseRisk(2, 9)).toBeCloseTo(4);
  });

  it('lets users only be dismissed or banned', () => {
    expect(ACTIONS_BY_TARGET.user).toEqual(['dismiss', 'ban']);
    expect(ACTIONS_BY_TARGET.comment).not.toContain('limit');
  });
});
