import { describe, expect, it } from 'vitest';
import type { Candidate, CandidateType } from './candidate.js';
import { CandidatePair, type LocalBase, PairState } from './candidate-pair.js';
import { resolveConfig } from './config.js';
import { chooseNomination } from './selection.js';

const wait = resolveConfig({}).nominationWait;
let port = 1000;
function pair(type: CandidateType, priority: number, state: PairState, validAt = 0): CandidatePair {
  const c = (t: CandidateType): Candidate => ({
    foundation: t,
    component: 1,
    transport: 'udp',
    priority,
    address: '10.0.0.1',
    port: port++,
    type: t,
  });
  const p = new CandidatePair(c('host'), {} as LocalBase, c(type), '10.0.0.2');
  p.updatePriority(true);
  p.state = state;
  p.validAt = validAt;
  return p;
}

describe('chooseNomination (SELECTION.md §2)', () => {
  it('nominates at once when nothing better is pending', () => {
    const best = pair('host', 100, PairState.Succeeded);
    const worse = pair('srflx', 50, PairState.InProgress);
    expect(chooseNomination([best, worse], 0, wait)).toEqual({ action: 'nominate', pair: best });
  });

  it('waits for a better pending pair, by the type of the best valid one', () => {
    const relay = pair('relay', 10, PairState.Succeeded, 1000);
    const better = pair('host', 100, PairState.InProgress);
    expect(chooseNomination([relay, better], 1500, wait)).toEqual({
      action: 'wait',
      untilMs: 3000,
    });
    expect(chooseNomination([relay, better], 3000, wait)).toEqual({
      action: 'nominate',
      pair: relay,
    });
    const srflx = pair('srflx', 20, PairState.Succeeded, 1000);
    expect(chooseNomination([srflx, better], 1200, wait)).toEqual({
      action: 'wait',
      untilMs: 2000,
    });
    better.state = PairState.Succeeded;
    expect(chooseNomination([srflx, better], 1200, wait)).toEqual({
      action: 'nominate',
      pair: better,
    });
  });

  it('does nothing without a valid pair; ignores failed and retired pairs', () => {
    expect(chooseNomination([pair('host', 100, PairState.Waiting)], 0, wait)).toEqual({
      action: 'none',
    });
    const best = pair('host', 10, PairState.Succeeded);
    const failed = pair('host', 100, PairState.Failed);
    const retired = pair('host', 90, PairState.Waiting);
    retired.retired = true;
    expect(chooseNomination([best, failed, retired], 0, wait)).toEqual({
      action: 'nominate',
      pair: best,
    });
  });
});
