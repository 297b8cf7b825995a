// DTLS over UDP sockets of the virtual network (@x/transport/testing): both roles complete a
// handshake across links with 20 % loss, reordering and duplication, and through a NAT, then
// carry application data both ways. Each seed is a different, reproducible run.
import type { UdpSocket } from '@x/transport';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { generateCertificate, fingerprintOf } from './certificate.js';
import { DtlsTransport } from './dtls-transport.js';
import { DtlsTransportState } from './transport-state.js';

const certClient = generateCertificate({ commonName: 'client' });
const certServer = generateCertificate({ commonName: 'server' });

describe('DTLS on the virtual network', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'handshakes under 20 %% loss, reordering and duplication, through a NAT (seed %i)',
    async (seed) => {
      const clock = new VirtualClock();
      const world = new VirtualNetwork({ clock, seed });
      const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
      const lan = world.addRouter({
        name: 'lan',
        cidr: '192.168.1.0/24',
        parent: wan,
        nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
      });
      const lossy = {
        delayMs: 15,
        jitterMs: 10,
        lossRate: 0.2,
        reorderRate: 0.1,
        duplicateRate: 0.1,
      };
      const clientHost = world.addHost({ name: 'client', router: lan, link: lossy });
      const serverHost = world.addHost({ name: 'server', router: wan, link: lossy });
      let server: DtlsTransport | undefined;
      let client: DtlsTransport | undefined;
      const got = { client: [] as string[], server: [] as string[] };
      let clientPeer = { address: '', port: 0 };
      const serverSocket: UdpSocket = await serverHost.bindUdp({
        port: 4444,
        onMessage: (data, from) => {
          clientPeer = { address: from.address, port: from.port };
          server!.handleDatagram(Buffer.from(data));
        },
      });
      const clientSocket: UdpSocket = await clientHost.bindUdp({
        onMessage: (data) => client!.handleDatagram(Buffer.from(data)),
      });
      server = new DtlsTransport({
        role: 'server',
        certificate: certServer,
        remoteFingerprints: [fingerprintOf(certClient.der, 'sha-256')],
        clock,
        rttHintMs: 60,
        send: (d) => serverSocket.send(d, clientPeer.port, clientPeer.address),
        onData: (d) => got.server.push(d.toString()),
      });
      client = new DtlsTransport({
        role: 'client',
        certificate: certClient,
        remoteFingerprints: [fingerprintOf(certServer.der, 'sha-256')],
        clock,
        rttHintMs: 60,
        send: (d) => clientSocket.send(d, 4444, serverHost.addresses[0]!),
        onData: (d) => got.client.push(d.toString()),
      });
      server.start();
      client.start();
      const connected = (): boolean =>
        client!.state === DtlsTransportState.Connected &&
        server!.state === DtlsTransportState.Connected;
      expect(await clock.runUntil(connected, { timeoutMs: 60_000 })).toBe(true);
      // Application data is not retransmitted by DTLS: send until one copy gets through.
      for (let i = 0; i < 20 && (got.server.length === 0 || got.client.length === 0); i++) {
        client.send(Buffer.from('to server'));
        server.send(Buffer.from('to client'));
        await clock.advance(100);
      }
      expect(got.server[0]).toBe('to server');
      expect(got.client[0]).toBe('to client');
      expect(world.stats.dropped.loss).toBeGreaterThan(0);
      client.close();
      server.close();
      await clock.advance(1000);
      await clientSocket.close();
      await serverSocket.close();
      await clock.runUntilIdle();
    },
  );
});
