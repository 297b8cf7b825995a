// @x/ice against werift's ICE agent (its internals, loaded by file path) over 127.0.0.1, in
// both roles: both sides reach a selected pair and datagrams cross both ways.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Agent, ConnectionState, parseCandidate, serializeCandidate } from '@x/ice';
import { afterEach, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { Connection } = require(
  fileURLToPath(new URL('../node_modules/werift/lib/ice/src/ice.js', import.meta.url)),
) as {
  Connection: new (
    controlling: boolean,
    options: object,
  ) => {
    localUsername: string;
    localPassword: string;
    localCandidates: { host: string; toSdp(): string }[];
    state: string;
    onData: { subscribe(f: (d: Buffer) => void): void };
    gatherCandidates(): Promise<void>;
    setRemoteParams(p: { iceLite: boolean; usernameFragment: string; password: string }): void;
    addRemoteCandidate(c: unknown): Promise<void>;
    connect(): Promise<void>;
    send(d: Buffer): Promise<void>;
    close(): Promise<void>;
  };
};
const { Candidate: WCandidate } = require(
  fileURLToPath(new URL('../node_modules/werift/lib/ice/src/candidate.js', import.meta.url)),
) as { Candidate: { fromSdp(s: string): unknown } };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

for (const weControl of [true, false]) {
  it(`connects to werift as the ${weControl ? 'controlling' : 'controlled'} agent`, async () => {
    const w = new Connection(!weControl, {
      useIpv4: true,
      useIpv6: false,
      additionalHostAddresses: ['127.0.0.1'],
      interfaceAddresses: { udp4: '127.0.0.1' },
    });
    closers.push(() => w.close());
    const got: string[] = [];
    const wGot: string[] = [];
    w.onData.subscribe((d) => wGot.push(d.toString()));
    const agent = new Agent(
      {
        controlling: weControl,
        mdns: 'off',
        gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
        onCandidate: (c) => {
          if (c !== null) void w.addRemoteCandidate(WCandidate.fromSdp(serializeCandidate(c)));
        },
        onData: (d) => got.push(d.toString()),
      },
      () => {},
    );
    closers.push(() => agent.close());
    await Promise.all([agent.gather(), w.gatherCandidates()]);
    w.setRemoteParams({
      iceLite: false,
      usernameFragment: agent.localCredentials.ufrag,
      password: agent.localCredentials.pwd,
    });
    agent.setRemoteCredentials(w.localUsername, w.localPassword);
    for (const c of w.localCandidates)
      if (c.host === '127.0.0.1') agent.addRemoteCandidate(parseCandidate(c.toSdp()));
    agent.addRemoteCandidate(null);
    await w.addRemoteCandidate(undefined);
    await Promise.all([w.connect(), waitFor(() => agent.selectedPair !== undefined)]);
    await waitFor(
      () => agent.state === ConnectionState.Connected || agent.state === ConnectionState.Completed,
    );
    agent.send(Buffer.from('to werift'));
    await w.send(Buffer.from('to x'));
    await waitFor(() => got.length > 0 && wGot.length > 0);
    expect(got).toEqual(['to x']);
    expect(wGot).toEqual(['to werift']);
  });
}

async function waitFor(predicate: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
