// Two @x/ice agents on real 127.0.0.1 UDP sockets (NodeNet, system clock) connect, reach
// `completed`, exchange datagrams and close without leaking sockets or timers.
import { Agent, type Candidate, ConnectionState } from '@x/ice';
import { afterEach, expect, it } from 'vitest';

const agents: Agent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
});

it('two agents connect over 127.0.0.1 and carry data', async () => {
  const states: Record<string, ConnectionState[]> = { a: [], b: [] };
  const received: string[] = [];
  const loopbackOnly = {
    includeLoopback: true,
    ipv6: false,
    addressFilter: (address: string) => address === '127.0.0.1',
  };
  let a: Agent | undefined;
  let b: Agent | undefined;
  const relay = (to: () => Agent | undefined) => (c: Candidate | null) =>
    to()?.addRemoteCandidate(c);
  a = new Agent(
    { controlling: true, mdns: 'off', gather: loopbackOnly, onCandidate: relay(() => b) },
    (s) => states.a!.push(s),
  );
  b = new Agent(
    {
      controlling: false,
      mdns: 'off',
      gather: loopbackOnly,
      onCandidate: relay(() => a),
      onData: (d) => received.push(d.toString()),
    },
    (s) => states.b!.push(s),
  );
  agents.push(a, b);
  a.setRemoteCredentials(b.localCredentials.ufrag, b.localCredentials.pwd);
  b.setRemoteCredentials(a.localCredentials.ufrag, a.localCredentials.pwd);
  const start = performance.now();
  await Promise.all([a.gather(), b.gather()]);
  await waitFor(
    () => a.state === ConnectionState.Connected || a.state === ConnectionState.Completed,
  );
  const connectedMs = performance.now() - start;
  await waitFor(
    () => a.state === ConnectionState.Completed && b.state === ConnectionState.Completed,
  );
  expect(a.selectedPair?.local.address).toBe('127.0.0.1');
  expect(a.send(Buffer.from('over real sockets'))).toBe(true);
  await waitFor(() => received.length > 0);
  expect(received).toEqual(['over real sockets']);
  expect(states.a).toEqual([
    ConnectionState.Checking,
    ConnectionState.Connected,
    ConnectionState.Completed,
  ]);
  expect(connectedMs).toBeLessThan(2000);
});

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}
