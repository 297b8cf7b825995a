// getStats() of a data-channel connection on the virtual network: the webrtc-stats
// dictionaries a user reads (peer-connection, data-channel, transport, candidate-pair,
// local/remote-candidate, certificate), their counters after real traffic, and the links
// between them (ids).
import { createHash, X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { virtualPeers } from './testing-peers.js';
import type { RTCDataChannel } from './rtc-data-channel.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import { collectStats, type RTCStats } from './rtc-stats.js';
import { RTCDtlsTransport, RTCIceTransport } from './rtc-transports.js';

let pcs: RTCPeerConnection[] = [];
afterEach(async () => {
  for (const pc of pcs) {
    pc.close();
    await pc.released;
  }
  pcs = [];
});

function byType(stats: Map<string, RTCStats>, type: string): RTCStats[] {
  return [...stats.values()].filter((s) => s.type === type);
}

describe('getStats', () => {
  it('reports the webrtc-stats dictionaries of a data-channel connection, with traffic counted', async () => {
    const { clock, a, b } = virtualPeers({ seed: 11, cidr: '192.0.2.0/24', delayMs: 20 });
    pcs = [a, b];
    // Before anything: a peer-connection entry, our certificate, a transport in state new.
    const early = await a.getStats();
    expect(byType(early, 'peer-connection')[0]).toMatchObject({
      dataChannelsOpened: 0,
      dataChannelsClosed: 0,
    });
    expect(byType(early, 'transport')[0]).toMatchObject({
      iceState: 'new',
      dtlsState: 'new',
      dtlsRole: 'unknown',
      bytesSent: 0,
    });
    expect(byType(early, 'transport')[0]).not.toHaveProperty('tlsVersion');
    expect(byType(early, 'candidate-pair')).toEqual([]);
    expect(byType(early, 'sctp-transport')).toEqual([]); // no association yet

    const chat = a.createDataChannel('chat', { protocol: 'json' });
    const spare = a.createDataChannel('spare');
    const remote: RTCDataChannel[] = [];
    b.ondatachannel = (e) => {
      remote.push(e.channel);
      e.channel.onmessage = (m: MessageEvent) => e.channel.send(m.data as string | ArrayBuffer);
    };
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    await clock.runUntil(() => chat.readyState === 'open' && remote.length === 2, {
      timeoutMs: 10_000,
    });
    let echoes = 0;
    chat.onmessage = () => echoes++;
    chat.send('hello');
    chat.send(new Uint8Array(1000));
    chat.send('é'); // 2 bytes of UTF-8
    await clock.runUntil(() => echoes === 3, { timeoutMs: 5000 });
    spare.close();
    await clock.runUntil(() => spare.readyState === 'closed', { timeoutMs: 5000 });
    await clock.advance(6000); // long enough for consent requests (RFC 7675: every 4-6 s)

    const stats = await a.getStats();
    for (const [id, s] of stats) {
      expect(s.id).toBe(id);
      expect(s.timestamp).toBeGreaterThan(Date.now() - 60_000);
      // Members that do not apply are absent, never undefined.
      expect(Object.values(s)).not.toContain(undefined);
    }

    expect(byType(stats, 'peer-connection')).toEqual([
      expect.objectContaining({ dataChannelsOpened: 2, dataChannelsClosed: 1 }),
    ]);

    const channels = byType(stats, 'data-channel');
    expect(channels).toEqual([
      expect.objectContaining({
        label: 'chat',
        protocol: 'json',
        dataChannelIdentifier: chat.id,
        state: 'open',
        messagesSent: 3,
        bytesSent: 5 + 1000 + 2,
        messagesReceived: 3,
        bytesReceived: 5 + 1000 + 2,
      }),
      expect.objectContaining({
        label: 'spare',
        protocol: '',
        state: 'closed',
        messagesSent: 0,
      }),
    ]);

    const [transport] = byType(stats, 'transport');
    expect(transport).toMatchObject({
      iceState: 'completed',
      dtlsState: 'connected',
      dtlsRole: 'server', // b answered a=setup:active
      iceRole: 'controlling',
      tlsVersion: 'FEFD',
      dtlsCipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      iceLocalUsernameFragment: a.localDescription!.sdp.match(/a=ice-ufrag:(\S+)/)![1],
      selectedCandidatePairChanges: 1,
      // use_srtp on every connection, as browsers do (RFC 5764 §4.1.2 names).
      srtpCipher: 'SRTP_AEAD_AES_128_GCM',
    });
    // RFC 6458 sctp_status figures: a 40 ms round trip (20 ms each way), WebRTC's 1200-byte
    // PMTU, the peer's window, and nothing left unacknowledged once the echoes are back.
    const [sctp] = byType(stats, 'sctp-transport');
    expect(sctp).toMatchObject({
      transportId: transport!.id,
      mtu: 1200,
      unackData: 0,
    });
    expect(sctp!.smoothedRoundTripTime as number).toBeGreaterThanOrEqual(0.04);
    expect(sctp!.smoothedRoundTripTime as number).toBeLessThan(0.1);
    expect(sctp!.congestionWindow as number).toBeGreaterThanOrEqual(4404);
    expect(sctp!.receiverWindow as number).toBeGreaterThan(100_000);
    // Payload bytes: at least the DTLS records that carried 1007 bytes of messages each way.
    expect(transport!.bytesSent as number).toBeGreaterThan(1007);
    expect(transport!.bytesReceived as number).toBeGreaterThan(1007);
    expect(transport!.packetsSent as number).toBeGreaterThan(3);

    const pair = stats.get(transport!.selectedCandidatePairId as string)!;
    expect(pair).toMatchObject({
      type: 'candidate-pair',
      transportId: transport!.id,
      state: 'succeeded',
      nominated: true,
      bytesSent: transport!.bytesSent,
      bytesReceived: transport!.bytesReceived,
      packetsSent: transport!.packetsSent,
      packetsReceived: transport!.packetsReceived,
    });
    expect(pair).not.toHaveProperty('availableOutgoingBitrate');
    // Two links of 20 ms between the hosts: 40 ms each way, a round trip of 80 ms, for the
    // checks and for the consent requests (RFC 7675) that followed.
    expect(pair.currentRoundTripTime).toBeCloseTo(0.08, 3);
    expect(pair.requestsSent as number).toBeGreaterThanOrEqual(1);
    expect(pair.requestsReceived as number).toBeGreaterThanOrEqual(1);
    expect(pair.responsesSent).toBe(pair.requestsReceived);
    expect(pair.consentRequestsSent as number).toBeGreaterThanOrEqual(1);
    const responses = pair.responsesReceived as number;
    expect(responses).toBeGreaterThanOrEqual(2);
    expect(responses).toBeLessThanOrEqual(
      (pair.requestsSent as number) + (pair.consentRequestsSent as number),
    );
    expect(pair.totalRoundTripTime).toBeCloseTo(responses * 0.08, 3);
    expect(pair.lastPacketReceivedTimestamp as number).toBeLessThanOrEqual(pair.timestamp);
    expect(pair.timestamp - (pair.lastPacketReceivedTimestamp as number)).toBeGreaterThanOrEqual(
      100,
    );
    expect(pair.timestamp - (pair.lastPacketReceivedTimestamp as number)).toBeLessThan(6200);
    expect(pair.lastPacketSentTimestamp as number).toBeLessThanOrEqual(pair.timestamp);

    const local = stats.get(pair.localCandidateId as string)!;
    const remoteCandidate = stats.get(pair.remoteCandidateId as string)!;
    const selected = a.sctp!.transport.iceTransport.getSelectedCandidatePair()!;
    expect(local).toMatchObject({
      type: 'local-candidate',
      transportId: transport!.id,
      address: selected.local.address,
      port: selected.local.port,
      protocol: 'udp',
      candidateType: 'host',
      priority: selected.local.priority,
    });
    expect(local).not.toHaveProperty('relayProtocol');
    expect(local).not.toHaveProperty('url');
    expect(remoteCandidate).toMatchObject({
      type: 'remote-candidate',
      address: selected.remote.address,
      port: selected.remote.port,
      candidateType: 'host',
    });

    // Certificates: ours, and the one the peer presented, as a=fingerprint says.
    const mine = stats.get(transport!.localCertificateId as string)!;
    const theirs = stats.get(transport!.remoteCertificateId as string)!;
    expect(byType(stats, 'certificate')).toHaveLength(2);
    for (const [cert, sdp] of [
      [mine, a.localDescription!.sdp],
      [theirs, b.localDescription!.sdp],
    ] as const) {
      expect(cert.fingerprintAlgorithm).toBe('sha-256');
      expect(sdp).toContain(`a=fingerprint:sha-256 ${cert.fingerprint}`);
      const der = Buffer.from(cert.base64Certificate as string, 'base64');
      expect(new X509Certificate(der).fingerprint256).toBe(cert.fingerprint);
      expect(createHash('sha256').update(der).digest('hex').length).toBe(64);
    }

    // The other side sees the mirror image.
    const other = await b.getStats();
    const [bTransport] = byType(other, 'transport');
    expect(bTransport).toMatchObject({ dtlsRole: 'client', iceRole: 'controlled' });
    expect(bTransport!.bytesReceived).toBe(transport!.bytesSent);
    // Ids are per connection (webrtc-pc §8.4: not predictable); the fingerprints match.
    expect(other.get(bTransport!.localCertificateId as string)!.fingerprint).toBe(
      theirs.fingerprint,
    );
  });

  it('names the TURN server of a relayed local candidate and how we reach it (url, relayProtocol)', () => {
    const ice = new RTCIceTransport();
    const candidate = (address: string, type: 'host' | 'relay', port = 5000) => ({
      candidate: `candidate:1 1 udp 1 ${address} ${port} typ ${type}`,
      address,
      port,
      protocol: 'udp' as const,
      type,
      foundation: '1',
      priority: 1,
      component: 1,
    });
    // The network layer gives the TURN server's URL and the transport to it with the pair.
    const pair = (url: string, port: number, relayProtocol: 'udp' | 'tcp' | 'tls') => ({
      local: candidate('198.51.100.9', 'relay', port),
      remote: candidate('203.0.113.4', 'host'),
      rttMs: 30,
      label: '',
      state: 'succeeded' as const,
      nominated: port === 1,
      selected: port === 1,
      packetsSent: 1,
      bytesSent: 100,
      packetsReceived: 1,
      bytesReceived: 100,
      lastPacketSentAt: 10,
      lastPacketReceivedAt: Number.NEGATIVE_INFINITY,
      requestsSent: 2,
      consentRequestsSent: 0,
      requestsReceived: 1,
      responsesSent: 1,
      responsesReceived: 2,
      totalRoundTripTimeMs: 70,
      localUrl: url,
      localRelayProtocol: relayProtocol,
    });
    const stats = collectStats({
      iceTransport: ice,
      dtlsTransport: new RTCDtlsTransport(ice),
      sctp: undefined,
      ice: {
        packetsSent: 3,
        bytesSent: 300,
        packetsReceived: 3,
        bytesReceived: 300,
        pairs: [
          pair('turn:turn.example:3478?transport=udp', 1, 'udp'),
          pair('turn:turn.example:3478?transport=tcp', 2, 'tcp'),
          pair('turns:turn.example:5349?transport=tcp', 3, 'tls'),
        ],
        localCandidates: [],
        remoteCandidates: [],
      },
      dtlsRole: undefined,
      cipherSuite: undefined,
      srtpProfile: undefined,
      localCertificate: Buffer.from([1, 2, 3]),
      remoteCertificate: undefined,
      localUfrag: 'abcd',
      selectedPairChanges: 1,
      channels: [],
      dataChannelsOpened: 0,
      dataChannelsClosed: 0,
      clockNow: 1000,
    });
    const locals = byType(stats, 'local-candidate');
    expect(locals.map((c) => [c.port, c.candidateType, c.relayProtocol, c.url])).toEqual([
      [1, 'relay', 'udp', 'turn:turn.example:3478?transport=udp'],
      [2, 'relay', 'tcp', 'turn:turn.example:3478?transport=tcp'],
      [3, 'relay', 'tls', 'turns:turn.example:5349?transport=tcp'],
    ]);
    const pairs = byType(stats, 'candidate-pair');
    expect(pairs).toHaveLength(3);
    const [transport] = byType(stats, 'transport');
    expect(transport!.selectedCandidatePairId).toBe(pairs[0]!.id);
    expect(transport).not.toHaveProperty('remoteCertificateId');
    expect(transport).toMatchObject({ dtlsRole: 'unknown', dtlsState: 'new' });
    // Clock times become timestamps relative to now; none yet is absent.
    expect(pairs[0]!.timestamp - (pairs[0]!.lastPacketSentTimestamp as number)).toBeCloseTo(990, 0);
    expect(pairs[0]).not.toHaveProperty('lastPacketReceivedTimestamp');
    expect(pairs[0]).toMatchObject({ totalRoundTripTime: 0.07, currentRoundTripTime: 0.03 });
  });
});
