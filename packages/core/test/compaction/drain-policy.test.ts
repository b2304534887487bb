import { describe, expect, it } from 'vitest';
import { decideDrain } from '../../src/compaction/drain-policy.ts';

const policy = { backlogEntries: 100, backlogAgeMs: 5_000 };

describe('decideDrain', () => {
  it('waits on an empty or small fresh backlog', () => {
    expect(decideDrain({ entries: 0, oldestLastModified: undefined }, policy, 1e6)).toEqual({ drain: false });
    expect(decideDrain({ entries: 99, oldestLastModified: 1e6 - 4_999 }, policy, 1e6)).toEqual({ drain: false });
  });
  it('drains a large backlog at once and an old one even when small', () => {
    expect(decideDrain({ entries: 100, oldestLastModified: 1e6 }, policy, 1e6)).toEqual({ drain: true, reason: 'size' });
    expect(decideDrain({ entries: 1, oldestLastModified: 1e6 - 5_000 }, policy, 1e6)).toEqual({ drain: true, reason: 'age' });
  });
});
