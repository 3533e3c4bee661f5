import { isReserve } from '../reserve-policy.ts';
import type { SideEffect } from '../types.ts';

/** Where the served and re-served item counts go (the server's `foryou_feed_*_items_total` metrics). */
export interface ReserveCounter {
  count(pipeline: string, served: number, reserved: number): void;
}

/** Counts each page's items and how many of them are re-serves (`reserve-policy.ts`), so the re-serve share is watched. */
export function reserveCountSideEffect(pipeline: string, counter: ReserveCounter): SideEffect {
  return {
    id: 'reserve_count',
    blocking: false,
    async run(_query, page) {
      if (page.length > 0) counter.count(pipeline, page.length, page.filter(isReserve).length);
    },
  };
}
