// Two @x/ice Agents connect relay-to-relay through a real coturn on 127.0.0.1: each agent has
// no host candidate (relay only, as iceTransportPolicy 'relay' would give), its relay
// candidate comes from a TurnClient allocation (UDP, then TCP to the server), connectivity
// checks and data go through coturn. This is the wiring the agent's TURN gathering will do:
// TurnClient.allocate() → Agent.addRelayCandidate({ socket, mappedAddress, server }), the
// client's onMessage feeding the handler that addRelayCandidate returns.
import { Agent, type Candidate, ConnectionState } from '@x/ice';
import type { SocketAddress } from '@x/transport';
import { describe, expect, it } from 'vitest';
import { type TurnCandidateError, TurnClient } from '@x/ice';
import { coturnForFile, until } from './shared.js';

const coturn = coturnForFile();

interface Side {
  readonly agent: Agent;
  readonly turn: TurnClient;
  readonly received: string[];
  readonly errors: TurnCandidateError[];
  readonly candidates: Candidate[];
}

async function side(controlling: boolean, url: string): Promise<Side> {
  const received: string[] = [];
  const errors: TurnCandidateError[] = [];
  const candidates: Candidate[] = [];
  const agent = new Agent(
    {
      controlling,
      // Relay only: no host address is gathered.
      gather: { addressFilter: () => false },
      onCandidate: (c) => {
        if (c !== null) candidates.push(c);
      },
      onData: (data) => received.push(data.toString()),
    },
    () => {},
  );
  let deliver: ((data: Buffer, from: SocketAddress) => void) | undefined;
  const turn = new TurnClient({
    url,
    username: coturn().username,
    credential: coturn().password,
    localAddress: '127.0.0.1',
    onMessage: (data, from) => deliver?.(data, from),
    onError: (e) => errors.push(e),
  });
  await agent.gather();
  const r = await turn.allocate();
  if (!r.ok) throw new Error(`allocation failed: ${r.error.errorCode} ${r.error.errorText}`);
  deliver = agent.addRelayCandidate({
    socket: r.socket,
    ...(r.mappedAddress !== undefined ? { mappedAddress: r.mappedAddress } : {}),
    server: `127.0.0.1:${coturn().port}`,
  });
  return { agent, turn, received, errors, candidates };
}

describe('two Agents relay-to-relay through coturn', () => {
  it.each(['udp', 'tcp'] as const)(
    'connect with relay candidates only (TURN over %s) and exchange data',
    async (transport) => {
      const url = `turn:127.0.0.1:${coturn().port}?transport=${transport}`;
      const a = await side(true, url);
      const b = await side(false, url);
      try {
        expect(a.candidates.map((c) => c.type)).toEqual(['relay']);
        expect(b.candidates.map((c) => c.type)).toEqual(['relay']);
        a.agent.setRemoteCredentials(b.agent.localCredentials.ufrag, b.agent.localCredentials.pwd);
        b.agent.setRemoteCredentials(a.agent.localCredentials.ufrag, a.agent.localCredentials.pwd);
        for (const c of b.candidates) a.agent.addRemoteCandidate(c);
        for (const c of a.candidates) b.agent.addRemoteCandidate(c);
        a.agent.endOfRemoteCandidates();
        b.agent.endOfRemoteCandidates();
        const up = (s: Side) =>
          s.agent.state === ConnectionState.Connected ||
          s.agent.state === ConnectionState.Completed;
        await until(() => up(a) && up(b), 'both agents connected');
        expect(a.agent.selectedPair?.local.type).toBe('relay');
        expect(a.agent.selectedPair?.remote.type).toBe('relay');
        a.agent.send(Buffer.from('hello through coturn'));
        b.agent.send(Buffer.from('and back'));
        await until(() => a.received.length > 0 && b.received.length > 0, 'data both ways');
        expect(b.received).toEqual(['hello through coturn']);
        expect(a.received).toEqual(['and back']);
        expect([...a.errors, ...b.errors]).toEqual([]);
      } finally {
        await a.agent.close();
        await b.agent.close();
        await a.turn.close();
        await b.turn.close();
      }
    },
    20_000,
  );
});
