// An agent closed from inside each of its callbacks (a user may call anything from any
// callback): nothing is delivered after `Closed`, no later state change happens (the test
// setup makes one throw), and no socket or timer is left (the leak check of every test).
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { ConnectionState as S } from './state.js';
import { cleanupAfterEach } from './testing-lan.js';

const cleanup = cleanupAfterEach();

type Trigger =
  | 'candidate'
  | 'end-of-candidates'
  | 'selected-pair'
  | 'data'
  | 'checking'
  | 'connected';

async function closeFrom(trigger: Trigger) {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 3 });
  const lan = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
  const ha = world.addHost({ name: 'a', router: lan });
  const hb = world.addHost({ name: 'b', router: lan });
  cleanup.push(() => world.close());
  const log: string[] = [];
  let closing: Promise<void> | undefined;
  const close = (why: Trigger): void => {
    if (why !== trigger || closing) return;
    log.push(`close from ${why}`);
    closing = a.close();
  };
  let b: Agent | undefined;
  const a: Agent = new Agent(
    {
      net: ha,
      clock,
      controlling: true,
      mdns: 'off',
      onCandidate: (c) => {
        log.push(c === null ? 'end-of-candidates' : 'candidate');
        if (c === null) b?.addRemoteCandidate(null);
        else b?.addRemoteCandidate(c);
        close(c === null ? 'end-of-candidates' : 'candidate');
      },
      onSelectedPairChange: () => {
        log.push('selected-pair');
        close('selected-pair');
      },
      onData: () => {
        log.push('data');
        close('data');
      },
    },
    (state) => {
      log.push(`state ${S[state]}`);
      if (state === S.Checking) close('checking');
      if (state === S.Connected) close('connected');
    },
  );
  b = new Agent(
    {
      net: hb,
      clock,
      controlling: false,
      mdns: 'off',
      onCandidate: (c) => {
        if (!closing) a.addRemoteCandidate(c);
      },
      onSelectedPairChange: () => b!.send(Buffer.from('hello')),
    },
    () => {},
  );
  cleanup.push(() => b!.close());
  a.setRemoteCredentials(b.localCredentials.ufrag, b.localCredentials.pwd);
  b.setRemoteCredentials(a.localCredentials.ufrag, a.localCredentials.pwd);
  await Promise.all([a.gather().catch(() => {}), b.gather()]);
  await clock.runUntil(() => closing !== undefined, { timeoutMs: 10_000 });
  await clock.advance(60_000); // whatever a leftover timer would do, it does now
  await closing;
  return { log, a };
}

describe('an agent closed from inside its own callbacks', () => {
  it.each<Trigger>([
    'candidate',
    'end-of-candidates',
    'checking',
    'connected',
    'selected-pair',
    'data',
  ])('from %s: Closed is the last thing it says, and nothing is left running', async (trigger) => {
    const { log, a } = await closeFrom(trigger);
    expect(log).toContain(`close from ${trigger}`);
    expect(a.state).toBe(S.Closed);
    const closedAt = log.indexOf('state Closed');
    expect(closedAt).toBeGreaterThan(-1);
    // Only what the closing callback's own input had already queued may follow the close
    // call; after Closed, nothing at all.
    expect(log.slice(closedAt + 1)).toEqual([]);
  });
});

describe("the agent's outbox", () => {
  it('delivers 10 000 state changes of one input after it, in order, and a call made from a callback waits its turn', async () => {
    const { AgentSession } = await import('./session.js');
    const seen: S[] = [];
    const clock = new VirtualClock();
    const session = new AgentSession({ clock, controlling: true }, (state) => {
      seen.push(state);
      // A change caused from inside a notification comes after the current one.
      if (seen.length === 1)
        session.run(() => session.machine.set(S.Disconnected, { kind: 'restart' }));
    });
    session.run(() => {
      for (let i = 0; i < 10_000; i++)
        session.machine.set(i % 2 === 0 ? S.Checking : S.Connected, { kind: 'checks-started' });
      expect(seen).toEqual([]); // nothing runs inside the input
    });
    expect(seen).toHaveLength(10_001);
    expect(seen.slice(0, 3)).toEqual([S.Checking, S.Connected, S.Checking]);
    expect(seen.at(-2)).toBe(S.Connected);
    expect(seen.at(-1)).toBe(S.Disconnected);
  });
});
