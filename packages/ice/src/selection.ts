/**
 * Which valid pair the controlling agent nominates, and when (see SELECTION.md).
 *
 * RFC 8445 §8.1.1 leaves the choice to the controlling agent: "it MAY wait for other checks
 * to succeed". Our rule: take the highest-priority valid pair B; nominate it at once when no
 * pair of higher priority is still waiting, frozen or in progress (nothing better can come);
 * otherwise wait until B has been valid for `nominationWait[type]`, where type is the worse of
 * B's two candidate types (host pairs wait 200 ms, reflexive 1 s, relayed 2 s by default),
 * then nominate the best valid pair at that time.
 */
import type { CandidateType } from './candidate.js';
import { type CandidatePair, PairState } from './candidate-pair.js';
import type { ResolvedConfig } from './config.js';
import { TYPE_PREFERENCE } from './priority.js';

/** The outcome of {@link chooseNomination}. */
export type NominationDecision =
  | { readonly action: 'nominate'; readonly pair: CandidatePair }
  | { readonly action: 'wait'; readonly untilMs: number }
  | { readonly action: 'none' };

/** The worse (lower type preference) of the pair's two candidate types. */
export function pairType(pair: CandidatePair): CandidateType {
  const a = pair.local.type;
  const b = pair.remote.type;
  return TYPE_PREFERENCE[a] <= TYPE_PREFERENCE[b] ? a : b;
}

/** Highest-priority succeeded pair, or undefined. */
export function bestValidPair(pairs: readonly CandidatePair[]): CandidatePair | undefined {
  let best: CandidatePair | undefined;
  for (const p of pairs) {
    if (p.state === PairState.Succeeded && (best === undefined || p.priority > best.priority)) {
      best = p;
    }
  }
  return best;
}

/** Decides whether to nominate now (pure: a function of the pairs and the time). */
export function chooseNomination(
  pairs: readonly CandidatePair[],
  now: number,
  wait: ResolvedConfig['nominationWait'],
): NominationDecision {
  const best = bestValidPair(pairs);
  if (best === undefined) return { action: 'none' };
  const betterPending = pairs.some(
    (p) =>
      p.priority > best.priority &&
      !p.retired &&
      (p.state === PairState.Waiting ||
        p.state === PairState.InProgress ||
        p.state === PairState.Frozen),
  );
  if (!betterPending) return { action: 'nominate', pair: best };
  const until = best.validAt + wait[pairType(best)];
  // Slack: a timer set for `until` may fire a hair early (floating point).
  if (now + 1e-6 >= until) return { action: 'nominate', pair: best };
  return { action: 'wait', untilMs: until };
}
