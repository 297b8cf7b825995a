import { describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { checkAgentConfig } from './config.js';
import { IceConfigError } from './errors.js';
import { ConnectionState as S } from './state.js';
import { cleanupAfterEach, lanWith } from './testing-lan.js';
import { connectPair } from './testing-pair.js';

const cleanup = cleanupAfterEach();
const lan = () => lanWith(cleanup, 1);

describe('Agent on one LAN', () => {
  it('reaches connected, then completed, and carries data both ways', async () => {
    const { clock, ha, hb } = lan();
    const { a, b } = await connectPair({ clock, netA: ha, netB: hb });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
      timeoutMs: 5000,
    });
    expect(a.states.map((s) => s.state)).toEqual([S.Checking, S.Connected, S.Completed]);
    expect(b.states.map((s) => s.state)).toEqual([S.Checking, S.Connected, S.Completed]);
    // Connected on the first valid pair (RFC 8445 §12.1), which is the one nominated later.
    expect(a.states[1]!.cause.kind).toBe('pair-valid');
    expect(a.selected.map((s) => s.cause.kind)).toEqual(['valid']);
    expect(a.agent.selectedPair!.nominated).toBe(true);
    expect(b.agent.selectedPair!.nominated).toBe(true);
    expect(a.agent.send(Buffer.from('hello'))).toBe(true);
    expect(b.agent.send(Buffer.from('world'))).toBe(true);
    await clock.advance(10);
    expect(b.received.map(String)).toEqual(['hello']);
    expect(a.received.map(String)).toEqual(['world']);
    await a.agent.close();
    expect(a.agent.state).toBe(S.Closed);
    expect(a.states.at(-1)!.cause.kind).toBe('closed-by-user');
  });
});

describe('data before nomination (RFC 8445 §12.1)', () => {
  it('is connected and carries data on the first valid pair while the controlling agent waits for a better one', async () => {
    const { clock, ha, hb } = lan();
    const { a, b } = await connectPair({ clock, netA: ha, netB: hb, noEnd: true });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    // A remote candidate better than any real one, that never answers: the controlling agent
    // may not nominate before the host wait (200 ms) ends (SELECTION.md §2).
    a.agent.addRemoteCandidate('candidate:9 1 udp 2130706431 10.0.0.99 9 typ host');
    const start = clock.now();
    await clock.runUntil(() => a.agent.state === S.Connected && b.agent.state === S.Connected, {
      timeoutMs: 1000,
    });
    expect(clock.now() - start).toBeLessThan(100);
    expect(a.states.at(-1)!.cause.kind).toBe('pair-valid');
    expect(b.states.at(-1)!.cause.kind).toBe('pair-valid');
    const pair = a.agent.selectedPair!;
    expect(pair.nominated).toBe(false);
    expect(pair.remote.address).not.toBe('10.0.0.99');
    expect(a.selected).toEqual([{ pair, cause: { kind: 'valid' } }]);
    expect(a.agent.send(Buffer.from('early'))).toBe(true);
    expect(b.agent.send(Buffer.from('reply'))).toBe(true);
    await clock.advance(5);
    expect(b.received.map(String)).toEqual(['early']);
    expect(a.received.map(String)).toEqual(['reply']);
    expect(a.agent.selectedPair!.nominated).toBe(false);
    // The wait ends: the same pair is nominated, which changes no route and no state.
    await clock.runUntil(() => a.agent.selectedPair!.nominated, { timeoutMs: 1000 });
    expect(clock.now() - start).toBeGreaterThanOrEqual(200);
    expect(a.agent.selectedPair).toBe(pair);
    expect(a.selected.length).toBe(1);
    expect(a.states.map((s) => s.state)).toEqual([S.Checking, S.Connected]);
  });

  it('refuses to send before any pair is valid', async () => {
    const { clock, ha, hb } = lan();
    const { a, b } = await connectPair({ clock, netA: ha, netB: hb });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    expect(a.agent.state).not.toBe(S.Connected);
    expect(a.agent.send(Buffer.from('too early'))).toBe(false);
    expect(a.agent.stats.sendRefused).toBe(1);
  });
});

describe('configuration errors', () => {
  it('throws typed errors for an empty ufrag, a short pwd and a bad URL', () => {
    expect(() => new Agent({ ufrag: '' }, () => {})).toThrow(IceConfigError);
    expect(() => new Agent({ pwd: 'short' }, () => {})).toThrow(/22/);
    expect(() => new Agent({ iceServers: [{ urls: 'http://x' }] }, () => {})).toThrow(
      IceConfigError,
    );
    expect(() => new Agent({ iceServers: [{ urls: 'turn:x' }] }, () => {})).toThrow(/username/);
  });

  it('changes its role until the peer credentials are set, then only on a conflict', async () => {
    const a = new Agent({ controlling: true }, () => {});
    a.setRole(false);
    expect(a.controlling).toBe(false);
    a.setRemoteCredentials('peer', 'p'.repeat(22));
    expect(() => a.setRole(true)).toThrow(IceConfigError);
    a.setRole(false); // no change: no error
    expect(checkAgentConfig({ controlling: true })).toBeUndefined();
    await a.close();
  });
});

describe('handlers and trickle', () => {
  it('survives throwing handlers (state notifier, onCandidate, onData) and still connects', async () => {
    const { clock, ha, hb } = lan();
    let b: Agent | undefined;
    const errors: string[] = [];
    const a = new Agent(
      {
        net: ha,
        clock,
        mdns: 'off',
        onCandidate: (c) => {
          b?.addRemoteCandidate(c);
          throw new Error('candidate handler');
        },
      },
      (s) => {
        errors.push(S[s]);
        throw new Error('state handler');
      },
    );
    b = new Agent(
      {
        net: hb,
        clock,
        mdns: 'off',
        controlling: false,
        onCandidate: (c) => a.addRemoteCandidate(c),
        onData: () => {
          throw new Error('data handler');
        },
      },
      () => {},
    );
    cleanup.push(async () => {
      await a.close();
      await b?.close();
    });
    a.setRemoteCredentials(b.localCredentials.ufrag, b.localCredentials.pwd);
    b.setRemoteCredentials(a.localCredentials.ufrag, a.localCredentials.pwd);
    await Promise.all([a.gather(), b.gather()]);
    await clock.runUntil(() => a.state === S.Completed, { timeoutMs: 5000 });
    expect(errors).toEqual(['Checking', 'Connected', 'Completed']);
    a.send(Buffer.from('x'));
    await clock.advance(5);
    expect(a.stats.handlerErrors).toBeGreaterThanOrEqual(4);
    expect(b.stats.handlerErrors).toBe(1);
    expect(b.stats.dataReceived).toBe(1);
  });

  it('trickles candidates in after checks started and ignores an old generation', async () => {
    const { clock, ha, hb } = lan();
    const a = new Agent({ net: ha, clock, mdns: 'off' }, () => {});
    const b = new Agent({ net: hb, clock, mdns: 'off', controlling: false }, () => {});
    cleanup.push(async () => {
      await a.close();
      await b.close();
    });
    await Promise.all([a.gather(), b.gather()]);
    a.setRemoteCredentials(b.localCredentials.ufrag, b.localCredentials.pwd);
    b.setRemoteCredentials(a.localCredentials.ufrag, a.localCredentials.pwd);
    // B learns A as peer-reflexive from A's checks before A's candidate is signalled.
    for (const c of b.getLocalCandidates())
      a.addRemoteCandidate({ ...c, ufrag: b.localCredentials.ufrag });
    await clock.advance(100);
    expect(b.getRemoteCandidates().map((c) => c.type)).toEqual(['prflx']);
    a.addRemoteCandidate({ ...b.getLocalCandidates()[0]!, port: 9, ufrag: 'old1' }); // old generation
    for (const c of a.getLocalCandidates()) b.addRemoteCandidate(c);
    expect(b.getRemoteCandidates().map((c) => c.type)).toEqual(['host']); // replaces the prflx
    a.addRemoteCandidate(null);
    b.addRemoteCandidate(null);
    await clock.runUntil(() => a.state === S.Completed && b.state === S.Completed, {
      timeoutMs: 5000,
    });
    expect(a.getRemoteCandidates().length).toBe(1);
    expect(S[b.state]).toBe('Completed');
  });
});

describe('gather() cancellation', () => {
  it('rejects with the abort reason and leaves no socket open', async () => {
    const { clock, ha } = lan();
    const a = new Agent({ net: ha, clock, mdns: 'off' }, () => {});
    cleanup.push(() => a.close());
    const ac = new AbortController();
    const p = a.gather({ signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(a.getLocalCandidates()).toEqual([]);
    expect(a.gatheringState).toBe('new');
  });
});

describe('notifier contract at the agent', () => {
  it('queues a change made from inside the notifier (close on connected) after the current one', async () => {
    const { clock, ha, hb } = lan();
    const seen: string[] = [];
    let a: Agent | undefined;
    let b: Agent | undefined;
    a = new Agent(
      { net: ha, clock, mdns: 'off', onCandidate: (c) => b?.addRemoteCandidate(c) },
      (s, cause) => {
        seen.push(`${S[s]}:${cause.kind}:${S[a!.state]}`);
        if (s === S.Connected) void a!.close();
        seen.push(`end ${S[s]}`);
      },
    );
    b = new Agent(
      {
        net: hb,
        clock,
        mdns: 'off',
        controlling: false,
        onCandidate: (c) => a?.addRemoteCandidate(c),
      },
      () => {},
    );
    cleanup.push(async () => {
      await a?.close();
      await b?.close();
    });
    a.setRemoteCredentials(b.localCredentials.ufrag, b.localCredentials.pwd);
    b.setRemoteCredentials(a.localCredentials.ufrag, a.localCredentials.pwd);
    await Promise.all([a.gather(), b.gather()]);
    await clock.runUntil(() => a!.state === S.Closed, { timeoutMs: 5000 });
    expect(seen).toEqual([
      'Checking:checks-started:Checking',
      'end Checking',
      'Connected:pair-valid:Connected',
      'end Connected',
      'Closed:closed-by-user:Closed',
      'end Closed',
    ]);
  });
});

describe('close during gathering', () => {
  it('ends a gather() waiting for an unreachable STUN server', async () => {
    const { clock, ha } = lan();
    const a = new Agent(
      { net: ha, clock, mdns: 'off', iceServers: [{ urls: 'stun:10.0.0.250' }] },
      () => {},
    );
    const p = a.gather();
    await clock.advance(600);
    expect(a.gatheringState).toBe('gathering');
    await a.close();
    await p;
    expect(S[a.state]).toBe('Closed');
  });
});
