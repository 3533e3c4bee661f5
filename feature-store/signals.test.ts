import { describe, expect, it } from 'vitest';
import { labelViews } from './label-views.ts';
import {
  historyKindOf,
  labelsOf,
  leaveEvent,
  type SignalEvent,
  type Signals,
  signalsOf,
  type ViewState,
  viewAffinity,
  viewFromLabels,
  viewSignals,
} from './signals.ts';

/** Folds events into one view and sums the signals they emitted. */
function fold(events: SignalEvent[]): { view: ViewState | undefined; total: Signals } {
  let view: ViewState | undefined;
  const total = viewSignals(undefined);
  for (const e of events) {
    const r = signalsOf(e, view);
    view = r.view;
    for (const k of Object.keys(total) as (keyof Signals)[]) total[k] += r.signals[k];
  }
  return { view, total };
}

const watch25of60: SignalEvent[] = [
  { type: 'impression', timeMs: 0, durationMs: 60_000 },
  { type: 'play_start', timeMs: 100 },
  { type: 'progress', timeMs: 10_000, watchMs: 10_000 },
  { type: 'progress', timeMs: 20_000, watchMs: 20_000 },
  { type: 'skip', timeMs: 25_000, watchMs: 25_000 },
];

describe('signalsOf', () => {
  it('sums per-event signals to what the finished view signals, however many heartbeats it sent', () => {
    const { view, total } = fold(watch25of60);
    expect(total).toEqual(viewSignals(view));
    expect(total).toMatchObject({ impression: 1, click: 1, longView: 1, like: 0 });
  });

  it('labels 25 s of a 60 s video then a swipe as a long view with watch ratio 25/60', () => {
    const labels = labelsOf(fold(watch25of60).view!);
    expect(labels).toMatchObject({ click: 1, longView: 1, like: 0, hate: 0 });
    expect(labels.watchRatio).toBeCloseTo(25 / 60);
  });

  it('makes a quick swipe evidence against the video and an autoplay start no evidence at all', () => {
    const started = fold([
      { type: 'impression', timeMs: 0, durationMs: 30_000 },
      { type: 'play_start', timeMs: 10 },
    ]);
    expect(started.total.affinity).toBe(0);
    const swiped = fold([
      { type: 'impression', timeMs: 0, durationMs: 30_000 },
      { type: 'play_start', timeMs: 10 },
      { type: 'skip', timeMs: 900, watchMs: 800 },
    ]);
    expect(swiped.total.affinity).toBeLessThan(0);
    expect(labelsOf(swiped.view!).longView).toBe(0);
  });

  it('judges a short clip by the fraction watched: most of a 3 s clip is interest, a fifth of it a quick swipe', () => {
    const aff = (watchMs: number) =>
      fold([
        { type: 'impression', timeMs: 0, durationMs: 3_000 },
        { type: 'skip', timeMs: watchMs, watchMs },
      ]).total.affinity;
    expect(aff(2_400)).toBeGreaterThan(0);
    expect(aff(600)).toBeLessThan(0);
    expect(aff(1_200)).toBeLessThan(aff(2_400));
  });

  it('weighs watching by the fraction watched, and a like on top', () => {
    const aff = (watchMs: number, extra: SignalEvent[] = []) =>
      fold([
        { type: 'impression', timeMs: 0, durationMs: 15_000 },
        { type: 'skip', timeMs: watchMs, watchMs },
        ...extra,
      ]).total.affinity;
    expect(aff(4_000)).toBeLessThan(aff(8_000));
    expect(aff(8_000)).toBeLessThan(aff(15_000));
    expect(aff(8_000, [{ type: 'like', timeMs: 9_000 }])).toBeGreaterThan(aff(8_000) + 1);
  });

  it('counts a repeated like once per view, and a new impression starts a new view', () => {
    const { total } = fold([
      { type: 'impression', timeMs: 0 },
      { type: 'like', timeMs: 1 },
      { type: 'like', timeMs: 2 },
      { type: 'impression', timeMs: 3 },
      { type: 'like', timeMs: 4 },
    ]);
    expect(total.like).toBe(2);
    expect(total.impression).toBe(2);
  });

  it('changes nothing for undo and unknown events', () => {
    const view = fold(watch25of60).view;
    for (const type of ['unlike', 'unfollow', 'teleport']) {
      const r = signalsOf({ type, timeMs: 30_000 }, view);
      expect(r.view).toBe(view);
      expect(Object.values(r.signals).every((v) => v === 0)).toBe(true);
    }
  });
});

describe('viewFromLabels', () => {
  it('gives back the logged labels of a KuaiRand-style row', () => {
    const row = { click: 1, longView: 1, like: 0, follow: 0, comment: 1, forward: 0, hate: 0, watchRatio: 0.5 };
    expect(labelsOf(viewFromLabels(0, row, 60_000))).toEqual(row);
  });

  it('keeps a row labelled long with a short play time long, and a row labelled short short', () => {
    const long = viewFromLabels(0, { longView: 1, watchRatio: 0.1 }, 60_000);
    expect(labelsOf(long).longView).toBe(1);
    const short = labelsOf(viewFromLabels(0, { longView: 0, watchRatio: 0.9 }, 60_000));
    expect(short.longView).toBe(0);
    expect(short.watchRatio).toBeCloseTo(0.3, 3);
  });

  it('agrees with the live path on a view affinity', () => {
    const live = fold(watch25of60).view!;
    const row = viewFromLabels(0, labelsOf(live), 60_000);
    expect(viewAffinity(row)).toBeCloseTo(viewAffinity(live), 6);
  });
});

describe('labelViews', () => {
  it('gives an event to the latest impression at or before it, within the window, before the next one', () => {
    const opens = [
      { pair: 'u/v', timeMs: 0 },
      { pair: 'u/v', timeMs: 100 },
      { pair: 'u/w', timeMs: 0 },
    ];
    const { views, orphans } = labelViews(
      opens,
      [
        { pair: 'u/v', type: 'like', timeMs: 100 },
        { pair: 'u/v', type: 'not_interested', timeMs: 50 },
        { pair: 'u/w', type: 'like', timeMs: 61 },
        { pair: 'x/v', type: 'like', timeMs: 5 },
      ],
      60,
    );
    expect(views.map((v) => [v.hate, v.like])).toEqual([
      [true, false],
      [false, true],
      [false, false],
    ]);
    expect(orphans).toBe(2);
  });
});

describe('leaveEvent', () => {
  it('reports any view left before its end as a skip with its watch time', () => {
    expect(leaveEvent({ completed: false })).toBe('skip');
    expect(leaveEvent({ completed: true })).toBeUndefined();
  });

  it('records in the history what an event meant: nothing for an autoplay start, a rejection for a quick swipe', () => {
    const start = signalsOf({ type: 'play_start', timeMs: 1, durationMs: 20_000 }, undefined);
    expect(historyKindOf(start.signals)).toBeUndefined();
    const swipe = signalsOf({ type: 'skip', timeMs: 2, watchMs: 800 }, start.view);
    expect(historyKindOf(swipe.signals)).toBe('skip');
    const half = signalsOf({ type: 'progress', timeMs: 2, watchMs: 12_000 }, start.view);
    expect(historyKindOf(half.signals)).toBe('watch');
    const done = signalsOf({ type: 'complete', timeMs: 3, watchMs: 20_000 }, half.view);
    expect(historyKindOf(done.signals)).toBe('complete');
    expect(historyKindOf(signalsOf({ type: 'like', timeMs: 4 }, done.view).signals)).toBe('like');
  });
});
