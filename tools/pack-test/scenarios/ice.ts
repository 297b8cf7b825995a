// @x/ice alone (with @x/transport): two agents on real 127.0.0.1 sockets, candidates and
// credentials passed by hand, a datagram each way over the selected pair, then closed.
import assert from 'node:assert/strict';
import { Agent, type AgentConfig, ConnectionState, type StateCause } from '@x/ice';

const loopbackOnly: AgentConfig = {
  mdns: 'off',
  gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
};

interface Side {
  readonly agent: Agent;
  readonly states: string[];
  readonly received: string[];
}

function side(controlling: boolean, peer: () => Side): Side {
  const states: string[] = [];
  const received: string[] = [];
  const agent = new Agent(
    {
      ...loopbackOnly,
      controlling,
      onCandidate: (candidate) => peer().agent.addRemoteCandidate(candidate),
      onData: (data) => received.push(data.toString()),
    },
    (state: ConnectionState, cause: StateCause) =>
      states.push(`${ConnectionState[state]} (${cause.kind})`),
  );
  return { agent, states, received };
}

let b: Side | undefined;
const a = side(true, () => b!);
b = side(false, () => a);
a.agent.setRemoteCredentials(b.agent.localCredentials.ufrag, b.agent.localCredentials.pwd);
b.agent.setRemoteCredentials(a.agent.localCredentials.ufrag, a.agent.localCredentials.pwd);
await Promise.all([a.agent.gather(), b.agent.gather()]);

const until = async (what: string, done: () => boolean): Promise<void> => {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
const usable = (s: Side) =>
  s.agent.state === ConnectionState.Connected || s.agent.state === ConnectionState.Completed;
await until('both agents connected', () => usable(a) && usable(b!));
assert.ok(a.agent.selectedPair, 'a pair is selected');
assert.equal(a.agent.selectedPair.local.address, '127.0.0.1');
assert.ok(a.agent.send(Buffer.from('ping')));
await until('ping', () => b!.received.includes('ping'));
assert.ok(b.agent.send(Buffer.from('pong')));
await until('pong', () => a.received.includes('pong'));
await a.agent.close();
await b.agent.close();
assert.equal(a.states[0], 'Checking (checks-started)');
assert.ok(a.states.at(-1)?.startsWith('Closed'), a.states.join(', '));
console.log(`ice: ok (${a.states.join(' → ')})`);
