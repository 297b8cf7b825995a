/**
 * Test helper (not built): two agents wired to each other through in-process signalling
 * (trickle), recording every state change with its cause.
 */
import type { Clock, Net } from '@x/transport';
import type { VirtualClock } from '@x/transport/testing';
import { Agent } from './agent.js';
import type { Candidate } from './candidate.js';
import type { CandidatePairInfo } from './candidate-pair.js';
import type { AgentConfig } from './config.js';
import type { ConnectionState, SelectedPairCause, StateCause } from './state.js';

export interface Side {
  agent: Agent;
  states: { state: ConnectionState; cause: StateCause; at: number }[];
  selected: { pair: CandidatePairInfo; cause: SelectedPairCause }[];
  received: Buffer[];
  candidates: (Candidate | null)[];
}

export interface PairOptions {
  readonly clock: Clock;
  readonly netA: Net;
  readonly netB: Net;
  readonly a?: Partial<AgentConfig>;
  readonly b?: Partial<AgentConfig>;
  /** Drops candidates the filter refuses before they reach the peer. */
  readonly filter?: (c: Candidate) => boolean;
  /** Do not signal end-of-candidates. */
  readonly noEnd?: boolean;
}

export function makeSide(
  net: Net,
  clock: Clock,
  config: Partial<AgentConfig>,
  deliver: () => Side | undefined,
  filter?: (c: Candidate) => boolean,
  noEnd?: boolean,
): Side {
  const side: Side = {
    agent: undefined as unknown as Agent,
    states: [],
    selected: [],
    received: [],
    candidates: [],
  };
  side.agent = new Agent(
    {
      net,
      clock,
      mdns: 'off',
      gather: { includeLoopback: false },
      ...config,
      onCandidate: (c) => {
        side.candidates.push(c);
        const peer = deliver();
        if (peer === undefined) return;
        if (c === null) {
          if (!noEnd) peer.agent.addRemoteCandidate(null);
        } else if (filter === undefined || filter(c)) {
          peer.agent.addRemoteCandidate(c);
        }
      },
      onSelectedPairChange: (pair, cause) => side.selected.push({ pair, cause }),
      onData: (data) => side.received.push(Buffer.from(data)),
    },
    (state, cause) => side.states.push({ state, cause, at: clock.now() }),
  );
  return side;
}

/** Two agents, A controlling and B controlled, credentials exchanged, gathering started. */
export async function connectPair(o: PairOptions): Promise<{ a: Side; b: Side }> {
  let a: Side | undefined;
  let b: Side | undefined;
  a = makeSide(o.netA, o.clock, { controlling: true, ...o.a }, () => b, o.filter, o.noEnd);
  b = makeSide(o.netB, o.clock, { controlling: false, ...o.b }, () => a, o.filter, o.noEnd);
  a.agent.setRemoteCredentials(b.agent.localCredentials.ufrag, b.agent.localCredentials.pwd);
  b.agent.setRemoteCredentials(a.agent.localCredentials.ufrag, a.agent.localCredentials.pwd);
  let gathered = false;
  const gathering = Promise.all([a.agent.gather(), b.agent.gather()]).then(() => {
    gathered = true;
  });
  // Server-reflexive gathering needs the (virtual) clock to move.
  if ('runUntil' in o.clock) {
    await (o.clock as VirtualClock).runUntil(() => gathered, { timeoutMs: 10_000 });
  }
  await gathering;
  return { a, b };
}
