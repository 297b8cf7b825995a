/**
 * The W3C objects are read-only to their users: the transports' and data channels' slots are
 * `#private`, written only by the modules of this package that own them (through accessors
 * `index.ts` does not export). Writing a member neither type-checks nor changes anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as api from './index.js';
import { closeAll, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

let opened: api.RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(...opened);
  opened = [];
});

function world(seed: number): VirtualPeers {
  const w = virtualPeers({ seed });
  opened.push(w.a, w.b);
  return w;
}

describe('W3C objects carry no writable internals', () => {
  it('transports: no own members, accessors without setters, the old slots gone', async () => {
    const w = world(81);
    const { c1 } = await openChannelPair(w);
    const sctp = w.a.sctp!;
    const dtls = sctp.transport;
    const ice = dtls.iceTransport;
    const states = [ice.state, dtls.state, sctp.state];
    expect(states.slice(1)).toEqual(['connected', 'connected']);
    for (const t of [ice, dtls, sctp]) expect(Object.getOwnPropertyNames(t)).toEqual([]);
    // @ts-expect-error: not a member (it was a public field before).
    sctp.stateValue = 'closed';
    // @ts-expect-error: not a member.
    sctp.maxChannelsValue = 1;
    // @ts-expect-error: not a member.
    dtls.remoteCertificates = [];
    // @ts-expect-error: not a member.
    ice.roleValue = 'controlled';
    // @ts-expect-error: not a member.
    ice.stateValue = 'failed';
    expect([ice.state, dtls.state, sctp.state]).toEqual(states);
    expect(ice.role).toBe('controlling');
    expect(sctp.maxChannels).toBeGreaterThan(1);
    expect(dtls.getRemoteCertificates().length).toBe(1);
    // A getter without a setter: assigning throws in strict code.
    expect(() => {
      (sctp as unknown as { state: string }).state = 'closed';
    }).toThrow(TypeError);
    for (const name of ['setSelectedPair', 'addLocalCandidate', 'addRemoteCandidate'])
      expect(name in ice).toBe(false);
    expect('updateMaxMessageSize' in sctp).toBe(false);
    expect(c1.readyState).toBe('open');
  });

  it('data channels: no counters or silence() on the object; getStats() still counts', async () => {
    const w = world(82);
    const { c1, c2 } = await openChannelPair(w);
    expect(Object.getOwnPropertyNames(c1)).toEqual([]);
    expect('counters' in c1).toBe(false);
    expect('silence' in c1).toBe(false);
    let got = 0;
    c2.onmessage = () => void got++;
    c1.send('one');
    await w.clock.runUntil(() => got === 1, { timeoutMs: 5000 });
    const stats = [...(await w.a.getStats()).values()].find((s) => s.type === 'data-channel');
    expect(stats).toMatchObject({ messagesSent: 1, bytesSent: 3 });
  });

  it('the package exports no accessor to the internals nor the internal state helpers', () => {
    for (const name of [
      'iceTransportControl',
      'dtlsTransportControl',
      'sctpTransportControl',
      'dataChannelControl',
      'deriveConnectionState',
      'mapIceTransportState',
      'RTCIceConnectionStateCode',
    ])
      expect(name in api).toBe(false);
  });
});
