/**
 * `ManagerConfig.udpMux`: two answering Managers share one UDP port (an `@x/ice` UdpMux) and
 * each connects ICE, DTLS and SCTP with an offerer on sockets of its own, then echoes a data
 * channel message.
 */
import type { Net } from '@x/transport';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { expect, it } from 'vitest';
import type { DataChannel } from './data-channel.js';
import { UdpMux } from './index.js';
import { generateCertificate, Manager, type ManagerEvent } from './manager.js';
import { DtlsTransportState, IceTransportState, SctpTransportState } from './transport-state.js';

const certificates = [generateCertificate(), generateCertificate()];

it('connects DTLS and SCTP for two Managers sharing one UDP mux port, each with its own peer', async () => {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 3 });
  const wan = world.addRouter({ name: 'wan', cidr: '10.0.0.0/24' });
  const server = world.addHost({ name: 'server', router: wan, link: { delayMs: 5 } });
  const client = world.addHost({ name: 'client', router: wan, link: { delayMs: 5 } });
  const mux = await UdpMux.bind({ net: server, clock, port: 5004 });
  const managers: Manager[] = [];
  const received: string[][] = [];
  const channels: DataChannel[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      let offerer: Manager | undefined;
      let answerer: Manager | undefined;
      const trickle = (to: () => Manager | undefined) => (e: ManagerEvent) => {
        if (e.kind === 'local-candidate') to()?.addRemoteCandidate(e.candidate?.candidate ?? null);
      };
      offerer = new Manager(
        {
          net: client as Net,
          clock,
          controlling: true,
          certificate: certificates[0]!,
          mdns: 'off',
        },
        undefined,
        trickle(() => answerer),
      );
      answerer = new Manager(
        {
          net: server as Net,
          clock,
          controlling: false,
          certificate: certificates[1]!,
          mdns: 'off',
          udpMux: mux,
        },
        undefined,
        (e) => {
          trickle(() => offerer)(e);
          if (e.kind === 'data-channel') {
            const ch = e.channel;
            ch.handlers = {
              onMessage: (data, binary) =>
                ch.send(Buffer.concat([Buffer.from(`echo ${i}:`), data]), binary),
            };
          }
        },
      );
      managers.push(offerer, answerer);
      const got: string[] = [];
      received.push(got);
      const channel = offerer.createDataChannel({ label: `chat ${i}` });
      channel.handlers = { onMessage: (data) => got.push(data.toString()) };
      channels.push(channel);
      answerer.start({ ...offerer.localParameters, dtlsRole: 'client', maxMessageSize: 262_144 });
      offerer.start({ ...answerer.localParameters, dtlsRole: 'server', maxMessageSize: 262_144 });
      await Promise.all([offerer.gather(), answerer.gather()]);
    }
    const open = () => channels.every((c) => c.state === 'open');
    expect(await clock.runUntil(open, { timeoutMs: 10_000 })).toBe(true);
    for (const [i, c] of channels.entries()) c.send(Buffer.from(`hello ${i}`), false);
    expect(
      await clock.runUntil(() => received.every((r) => r.length === 1), { timeoutMs: 5000 }),
    ).toBe(true);
    expect(received).toEqual([['echo 0:hello 0'], ['echo 1:hello 1']]);
    for (const m of managers) {
      expect(m.iceTransportState).toBe(IceTransportState.Completed);
      expect(m.dtlsTransportState).toBe(DtlsTransportState.Connected);
      expect(m.sctpTransportState).toBe(SctpTransportState.Connected);
    }
    // Both answerers are on the mux port; the offerers each have their own.
    const [a0, b0, a1, b1] = managers.map((m) => m.selectedPair!.label);
    expect(b0).toMatch(/^10\.0\.0\.\d+:5004 <-> /);
    expect(b1).toMatch(/^10\.0\.0\.\d+:5004 <-> /);
    expect(a0).not.toBe(a1);
    expect(mux.routeCounts).toMatchObject({ agents: 2, ufrags: 2, addresses: 2 });
  } finally {
    for (const m of managers) await m.close();
    await mux.close();
    await clock.runUntilIdle({ maxTimers: 10_000 }).catch(() => {});
    await world.close();
  }
  expect(mux.routeCounts).toEqual({ agents: 0, addresses: 0, ufrags: 0, transactions: 0 });
});
