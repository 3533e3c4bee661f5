/**
 * bench:experiments' off-policy check: the uniformly random policy (the `random` arm) valued offline from
 * the pipeline's exploration slot, against what the random arm earned online, in the same context.
 *
 * Why the context must match. The simulated viewer's reaction to an item depends on the session before
 * it: affinity falls with every item already watched (position fatigue) and with every earlier item of
 * the same topic (satiation), and the viewer's stopping depends on both. The slot sits at page position 5
 * on every page, so its decisions come from every page of a session, and pipeline sessions run long: in
 * the full run 38 % of the viewed slot decisions were on a session's second to fourth page, against 16 %
 * of the random arm's items at position 5 (a random feed is left early). A random video earned long
 * views at 0.21 on a first page, 0.17 on a second and 0.09 on a third, on both sides alike, so matching
 * only the page position compared a mix of depths with a shallower one, and the offline value came out
 * low. The user population and the days were not the cause (the same estimate on the control arms'
 * experiment days alone moved by 0.003). The serve log now keeps each page's depth in its feed session
 * (`session_served`), and both sides are read on the first page of a session (5 items watched before
 * the slot in both), over the same days and population (the control arms during the experiment against
 * the random arm, randomised out of one population). The 5 items before the slot still differ (pipeline
 * items against random ones): the estimate is of the slot's value after a short pipeline start, the
 * closest a one-slot log comes to a random feed's.
 *
 * Target: π(v) = 1/n over the n videos the random arm drew from. The slot draws among the explore draws
 * that pass the filters (unseen, not blocked); the random arm too redraws past the filters. IPS with a
 * catalogue-wide π counts the filtered draws as zero reward, so it is low by their share (1 − mean
 * weight); SNIPS's normalisation and DR's model remove that.
 *
 * Doubly robust's reward model is cross-fitted on the slot's own decisions (`crossFittedSlotDecisions`).
 * It was fit on the pipeline's targeted items before, and came out above the online value on both worlds
 * (world A 0.232 against 0.188 [0.149, 0.227]; world B 0.435 against 0.374 [0.322, 0.426]) while IPS and
 * SNIPS were inside; `diagnosis.dr_pipeline_model` keeps that estimate beside the new one.
 */
import { compareWithOnline, onlineValue, type ServedOutcome, servedUnder } from '../../ab/ope-log.ts';

/** The value estimates of one pairing of logged decisions with online items, for the diagnosis. */
function pairing(
  logged: readonly ServedOutcome[],
  online: readonly ServedOutcome[],
  common: { target: (v: string) => number; catalogue: readonly string[]; training: readonly ServedOutcome[] },
) {
  const c = compareWithOnline({ logged, online, ...common });
  return {
    ips: c.ips.estimate,
    snips: c.snips.estimate,
    dr: c.dr.estimate,
    online: c.online.estimate,
    online_ci95: c.online.ci95,
    logged_decisions: c.logged_decisions,
    online_items: c.online.items,
  };
}

/** The most frequent value. */
function mode(xs: readonly number[]): number {
  const c = new Map<number, number>();
  for (const x of xs) c.set(x, (c.get(x) ?? 0) + 1);
  return [...c].sort((a, b) => b[1] - a[1])[0]?.[0] ?? Number.NaN;
}

/**
 * The OPE section of the results: the pipeline's slot decisions (everyone before the start, the control
 * arms after) against the `random` arm, which draws `randomQuota` explore videos per page.
 */
export function opeFigures(o: {
  outcomes: readonly ServedOutcome[];
  experiment: string;
  start: number;
  randomQuota: number;
  pageSize: number;
  catalogue: readonly string[];
}) {
  const { outcomes, experiment, start } = o;
  const controlArms = (x: ServedOutcome) =>
    x.servedAt >= start && (servedUnder(x, experiment, 'control') || servedUnder(x, experiment, 'control-2'));
  const pipeline = outcomes.filter((x) => x.servedAt < start || controlArms(x));
  const slotAt = mode(pipeline.filter((x) => x.features.exploration_slot === 1).map((x) => x.position));
  const randomServed = outcomes.filter((x) => servedUnder(x, experiment, 'random'));
  // The random arm draws `quota` of the N videos: its logged propensity quota / N gives the N it drew from.
  const n = Math.round(o.randomQuota / mode(randomServed.map((x) => x.propensity ?? 0)));
  const randomAtSlot = randomServed.filter((x) => x.position === slotAt);
  const page = (x: ServedOutcome) => Math.floor((x.features.session_served ?? Number.NaN) / o.pageSize);
  const firstPage = (x: ServedOutcome) => page(x) === 0;
  const common = { target: () => 1 / n, catalogue: o.catalogue, training: pipeline };
  const matched = compareWithOnline({
    logged: pipeline.filter((x) => controlArms(x) && firstPage(x)),
    online: randomAtSlot.filter(firstPage),
    ...common,
  });
  const pipelineModel = compareWithOnline({
    logged: pipeline.filter((x) => controlArms(x) && firstPage(x)),
    online: randomAtSlot.filter(firstPage),
    ...common,
    rewardModel: 'pipeline',
  }).dr;
  const viewedSlot = pipeline.filter((x) => x.viewed && x.features.exploration_slot === 1);
  const viewedRandom = randomAtSlot.filter((x) => x.viewed);
  return {
    slot_position: slotAt,
    catalogue_drawn_from: n,
    ...matched,
    /** The random arm's reward per viewed item at each page position (later positions: viewers who kept watching). */
    online_by_position: Object.fromEntries(
      Array.from({ length: o.pageSize }, (_, p) => {
        const v = onlineValue(randomServed.filter((x) => x.position === p));
        return [p, { estimate: v.estimate, ci95: v.ci95, items: v.items }];
      }),
    ),
    /** The slot's logged videos' mean reward, unweighted. */
    logged_slot_mean_reward: viewedSlot.reduce((s, x) => s + x.reward, 0) / Math.max(1, viewedSlot.length),
    context: 'first page of a feed session (session_served = 0), experiment days, control arms vs random arm',
    /** The same estimators on pairings that do not match the context (the first is the comparison before the fix). */
    diagnosis: {
      /** Doubly robust with the reward model fit on the pipeline's own (targeted) items, as before. */
      dr_pipeline_model: {
        estimate: pipelineModel.estimate,
        ci95: pipelineModel.ci95,
        within_online_ci: pipelineModel.within_online_ci,
      },
      any_page_all_days: pairing(pipeline, randomAtSlot, common),
      any_page_same_users_and_days: pairing(pipeline.filter(controlArms), randomAtSlot, common),
      first_page_all_days: pairing(pipeline.filter(firstPage), randomAtSlot.filter(firstPage), common),
      /** Share of viewed slot-position items on each page of their session (0 = first). */
      page_mix: Object.fromEntries(
        [0, 1, 2, 3].map((p) => [
          p,
          {
            logged: viewedSlot.filter((x) => page(x) === p).length / Math.max(1, viewedSlot.length),
            online: viewedRandom.filter((x) => page(x) === p).length / Math.max(1, viewedRandom.length),
          },
        ]),
      ),
      /** Reward per viewed item at the slot position by page: the logged slot (unweighted) and the random arm. */
      by_page: Object.fromEntries(
        [0, 1, 2, 3].map((p) => {
          const logged = viewedSlot.filter((x) => page(x) === p);
          const on = onlineValue(randomAtSlot.filter((x) => page(x) === p));
          return [
            p,
            {
              logged_mean: logged.reduce((s, x) => s + x.reward, 0) / Math.max(1, logged.length),
              logged_items: logged.length,
              online: on.estimate,
              online_ci95: on.ci95,
              online_items: on.items,
            },
          ];
        }),
      ),
    },
  };
}

/** The slot's and the random arm's served items, compact (the bench's `--dump`). */
export function opeDump(outcomes: readonly ServedOutcome[], experiment: string) {
  return outcomes
    .filter((x) => x.features.exploration_slot === 1 || servedUnder(x, experiment, 'random'))
    .map((x) => ({
      user: x.userId,
      video: x.videoId,
      at: x.servedAt,
      position: x.position,
      propensity: x.propensity,
      session_served: x.features.session_served,
      arm: ['control', 'control-2', 'random'].find((a) => servedUnder(x, experiment, a)) ?? 'none',
      slot: x.features.exploration_slot === 1,
      viewed: x.viewed,
      reward: x.reward,
    }));
}
