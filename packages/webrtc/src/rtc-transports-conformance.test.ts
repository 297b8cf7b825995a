// Conformance of RTCIceTransport, RTCDtlsTransport, RTCSctpTransport and the connection states to
// webrtc-pc (§4.4 states, §5.5, §5.6, §6.1.1), case by case after the web-platform-tests of
// webrtc/ (RTCIceTransport, RTCDtlsTransport-getRemoteCertificates, RTCSctpTransport-constructor,
// -maxChannels, -maxMessageSize, RTCPeerConnection-iceConnectionState, -connectionState,
// -iceGatheringState, -canTrickleIceCandidates, -close), rewritten for two peers on the virtual
// network with the virtual clock. Where a stored test is older than webrtc-pc, the current text
// is what is checked (e.g. pc.sctp exists from the offer on, maxMessageSize follows the
// answer, 65536 when the attribute is missing). What needs media is left out.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type RTCDataChannel, RTCErrorEvent } from './rtc-data-channel.js';
import { RTCError } from './rtc-error.js';
import { RTCIceCandidate } from './rtc-ice-candidate.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import {
  RTCDtlsTransport,
  RTCIceCandidatePair,
  RTCIceTransport,
  RTCSctpTransport,
} from './rtc-transports.js';
import {
  RTCDataChannelEvent,
  RTCPeerConnectionIceErrorEvent,
  RTCPeerConnectionIceEvent,
  RTCSessionDescription,
} from './rtc-types.js';
import { negotiate, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

let opened: RTCPeerConnection[] = [];
afterEach(async () => {
  for (const pc of opened) {
    pc.close();
    await pc.released;
  }
  opened = [];
});

function world(seed = 23): VirtualPeers {
  const w = virtualPeers({ seed });
  opened.push(w.a, w.b);
  return w;
}

/** Two peers that exchange no candidates (nothing trickles): descriptions only. */
function silentWorld(): VirtualPeers {
  const w = virtualPeers({ seed: 5, trickle: false });
  opened.push(w.a, w.b);
  return w;
}

/** A channel on a, its counterpart on b, both open. */
async function connected(
  w = world(),
): Promise<{ w: VirtualPeers; c1: RTCDataChannel; c2: RTCDataChannel }> {
  return { w, ...(await openChannelPair(w)) };
}

function transportsOf(pc: RTCPeerConnection): {
  sctp: RTCSctpTransport;
  dtls: RTCDtlsTransport;
  ice: RTCIceTransport;
} {
  const sctp = pc.sctp;
  expect(sctp).toBeInstanceOf(RTCSctpTransport);
  const dtls = sctp!.transport;
  expect(dtls).toBeInstanceOf(RTCDtlsTransport);
  expect(dtls.iceTransport).toBeInstanceOf(RTCIceTransport);
  return { sctp: sctp!, dtls, ice: dtls.iceTransport };
}

/** Every transport and connection event of a peer, as `target:type:state`. */
function eventLog(pc: RTCPeerConnection, channel?: RTCDataChannel): string[] {
  const log: string[] = [];
  const { sctp, dtls, ice } = transportsOf(pc);
  ice.addEventListener('selectedcandidatepairchange', () => log.push('ice:pair'));
  ice.addEventListener('statechange', () => log.push(`ice:${ice.state}`));
  ice.addEventListener('gatheringstatechange', () => log.push(`gather:${ice.gatheringState}`));
  dtls.addEventListener('statechange', () => log.push(`dtls:${dtls.state}`));
  dtls.addEventListener('error', () => log.push('dtls:error'));
  sctp.addEventListener('statechange', () => log.push(`sctp:${sctp.state}`));
  pc.addEventListener('iceconnectionstatechange', () =>
    log.push(`pc-ice:${pc.iceConnectionState}`),
  );
  pc.addEventListener('connectionstatechange', () => log.push(`pc:${pc.connectionState}`));
  pc.addEventListener('icegatheringstatechange', () =>
    log.push(`pc-gather:${pc.iceGatheringState}`),
  );
  channel?.addEventListener('open', () => log.push('dc:open'));
  return log;
}

const line = (sdp: string, attribute: string): string | undefined =>
  new RegExp(`^a=${attribute}:(\\S+)\\r?$`, 'm').exec(sdp)?.[1];

/** Replaces, removes (`null`) or adds an attribute line of the (only) m-section. */
function withAttribute(sdp: string, attribute: string, value: string | null): string {
  const without = sdp.replace(new RegExp(`^a=${attribute}:[^\\r\\n]*\\r\\n`, 'm'), '');
  return value === null ? without : `${without}a=${attribute}:${value}\r\n`;
}

describe('RTCIceTransport (RTCIceTransport.html)', () => {
  it('gives two connected transports matching attributes, candidates, pairs and parameters', async () => {
    const { w } = await connected();
    const one = transportsOf(w.a).ice;
    const two = transportsOf(w.b).ice;
    for (const ice of [one, two]) {
      expect(ice.component).toBe('rtp');
      expect(['connected', 'completed']).toContain(ice.state);
      expect(['gathering', 'complete']).toContain(ice.gatheringState);
      for (const list of [ice.getLocalCandidates(), ice.getRemoteCandidates()]) {
        expect(list.length).toBeGreaterThan(0);
        for (const candidate of list) expect(candidate).toBeInstanceOf(RTCIceCandidate);
      }
      const pair = ice.getSelectedCandidatePair();
      expect(pair?.local).toBeInstanceOf(RTCIceCandidate);
      expect(pair?.remote).toBeInstanceOf(RTCIceCandidate);
    }
    // The offerer controls (RFC 8445 §6.1.1).
    expect([one.role, two.role]).toEqual(['controlling', 'controlled']);
    expect(one.getLocalCandidates().map((c) => c.candidate)).toEqual(
      two.getRemoteCandidates().map((c) => c.candidate),
    );
    expect(one.getRemoteCandidates().map((c) => c.candidate)).toEqual(
      two.getLocalCandidates().map((c) => c.candidate),
    );
    const [p1, p2] = [one.getSelectedCandidatePair()!, two.getSelectedCandidatePair()!];
    expect(p1.local.candidate).toBe(p2.remote.candidate);
    expect(p1.remote.candidate).toBe(p2.local.candidate);
    // Parameters: what each side's description carries, and what the other side received.
    expect(one.getLocalParameters()).toEqual({
      usernameFragment: line(w.a.localDescription!.sdp, 'ice-ufrag'),
      password: line(w.a.localDescription!.sdp, 'ice-pwd'),
    });
    expect(two.getRemoteParameters()).toEqual(one.getLocalParameters());
    expect(one.getRemoteParameters()).toEqual(two.getLocalParameters());
  });

  it('has no remote candidate and no selected pair before it connects', async () => {
    const { a, b } = silentWorld();
    a.createDataChannel('');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await a.setRemoteDescription(await b.createAnswer());
    const { ice } = transportsOf(a);
    expect(ice.getRemoteCandidates()).toEqual([]);
    expect(ice.getSelectedCandidatePair()).toBeNull();
  });

  it('has null parameters until descriptions give them, and keeps its object over an ICE restart', async () => {
    const { w } = await connected();
    const { ice } = transportsOf(w.a);
    const before = ice.getLocalParameters();
    w.a.restartIce();
    await negotiate(w.a, w.b);
    await w.clock.runUntil(() => w.a.connectionState === 'connected', { timeoutMs: 10_000 });
    expect(transportsOf(w.a).ice).toBe(ice);
    expect(w.a.sctp!.transport.iceTransport).toBe(ice);
    expect(ice.getLocalParameters()).not.toEqual(before);
    expect(ice.getLocalParameters()?.usernameFragment).toBe(
      line(w.a.localDescription!.sdp, 'ice-ufrag'),
    );
    expect(ice.getRemoteParameters()?.usernameFragment).toBe(
      line(w.b.localDescription!.sdp, 'ice-ufrag'),
    );

    const { a, b } = silentWorld();
    a.createDataChannel('');
    await a.setLocalDescription();
    const fresh = transportsOf(a).ice;
    expect(fresh.role).toBe('unknown');
    expect(fresh.getRemoteParameters()).toBeNull();
    expect(fresh.getLocalParameters()?.usernameFragment).toBe(
      line(a.localDescription!.sdp, 'ice-ufrag'),
    );
    await b.setRemoteDescription(a.localDescription!);
    expect(transportsOf(b).ice.getLocalParameters()).toBeNull();
    expect(transportsOf(b).ice.getRemoteParameters()?.password).toBe(
      line(a.localDescription!.sdp, 'ice-pwd'),
    );
  });

  it('is controlling when the remote offer is ice-lite (webrtc-pc [[IceRole]] rules)', async () => {
    const { a, b } = silentWorld();
    b.createDataChannel('');
    const offer = await b.createOffer();
    const sdp = offer.sdp!.replace(/\r\nm=/, '\r\na=ice-lite\r\nm=');
    await a.setRemoteDescription({ type: 'offer', sdp });
    await a.setLocalDescription();
    expect(transportsOf(a).ice.role).toBe('controlling');
  });

  it('fires selectedcandidatepairchange, statechange, then the connection events, in order', async () => {
    const w = world();
    const channel = w.a.createDataChannel('x');
    await w.a.setLocalDescription();
    const log = eventLog(w.a, channel);
    const seen: string[] = [];
    const { ice } = transportsOf(w.a);
    // When iceconnectionstatechange fires, the transport already has the state.
    w.a.addEventListener('iceconnectionstatechange', () =>
      seen.push(`${w.a.iceConnectionState}=${ice.state}`),
    );
    // One task sets the pair, the transport's state and both derived states, then fires:
    // every listener sees them all already updated (webrtc-pc "change the selected candidate
    // pair and state").
    const atTransport: string[] = [];
    const snapshot = (what: string) => () =>
      atTransport.push(`${what} ${ice.state} ${w.a.iceConnectionState} ${w.a.connectionState}`);
    ice.addEventListener('selectedcandidatepairchange', snapshot('pair'));
    ice.addEventListener('statechange', snapshot('state'));
    await w.b.setRemoteDescription(w.a.localDescription!);
    await w.b.setLocalDescription();
    await w.a.setRemoteDescription(w.b.localDescription!);
    await w.clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
    expect(atTransport.slice(0, 3)).toEqual([
      'state checking checking connecting',
      'pair connected connected connecting',
      'state connected connected connecting',
    ]);
    const at = (entry: string): number => {
      expect(log).toContain(entry);
      return log.indexOf(entry);
    };
    expect(at('ice:checking')).toBeLessThan(at('pc-ice:checking'));
    expect(at('pc-ice:checking')).toBeLessThan(at('pc:connecting'));
    expect(at('ice:pair')).toBeLessThan(at('ice:connected'));
    expect(at('ice:connected')).toBeLessThan(at('pc-ice:connected'));
    expect(at('dtls:connecting')).toBeLessThan(at('dtls:connected'));
    expect(at('dtls:connected')).toBeLessThan(at('pc:connected'));
    // webrtc-pc "RTCSctpTransport connected": statechange before the channels' open events.
    expect(at('sctp:connected')).toBeLessThan(at('dc:open'));
    expect(log.filter((e) => e.startsWith('pc:'))).toEqual(['pc:connecting', 'pc:connected']);
    for (const entry of seen) {
      const [pcState, transportState] = entry.split('=');
      expect(transportState).toBe(pcState);
    }
    // Each transport change of the connection comes right after the transport's own event.
    for (const [i, entry] of log.entries()) {
      if (entry.startsWith('pc-ice:')) expect(log[i - 1]).toMatch(/^ice:/);
    }
  });

  it('fires gatheringstatechange at the transport before icegatheringstatechange', async () => {
    const { a, clock } = silentWorld();
    a.createDataChannel('');
    expect(a.iceGatheringState).toBe('new');
    await a.setLocalDescription();
    const log = eventLog(a);
    const transportState: string[] = [];
    a.addEventListener('icegatheringstatechange', () =>
      transportState.push(transportsOf(a).ice.gatheringState),
    );
    await clock.runUntil(() => a.iceGatheringState === 'complete', { timeoutMs: 10_000 });
    const gathering = log.filter((e) => e.includes('gather'));
    // `gathering` may have gone out before the listeners were added; `complete` must come paired.
    expect(gathering.slice(-2)).toEqual(['gather:complete', 'pc-gather:complete']);
    expect(transportState.at(-1)).toBe('complete');
  });
});

describe('RTCIceTransportState "failed" (webrtc-pc §5.6.4)', () => {
  it('closes neither DTLS, SCTP nor the channels, and an ICE restart resumes them', async () => {
    const { w, c1, c2 } = await connected();
    const { ice, dtls, sctp } = transportsOf(w.a);
    const log = eventLog(w.a, c1);
    w.hostB.link.partition();
    await w.clock.runUntil(() => ice.state === 'failed', { timeoutMs: 60_000 });
    expect([w.a.iceConnectionState, w.a.connectionState]).toEqual(['failed', 'failed']);
    // "entering the failed state does not cause DTLS transports, SCTP associations or the data
    // channels that run over them to close".
    expect([dtls.state, sctp.state, c1.readyState]).toEqual(['connected', 'connected', 'open']);
    expect(log.filter((e) => /^(dtls|sctp|dc):/.test(e))).toEqual([]);
    expect(log.slice(-3)).toEqual(['ice:failed', 'pc-ice:failed', 'pc:failed']);
    w.hostB.link.heal();
    w.a.restartIce();
    await negotiate(w.a, w.b);
    await w.clock.runUntil(() => w.a.connectionState === 'connected', { timeoutMs: 20_000 });
    expect(ice.getSelectedCandidatePair()).not.toBeNull();
    const got: unknown[] = [];
    c2.onmessage = (e) => void got.push(e.data);
    c1.send('again');
    await w.clock.runUntil(() => got.length === 1, { timeoutMs: 10_000 });
    expect(got).toEqual(['again']);
    expect(log.filter((e) => /^(dtls|sctp):/.test(e))).toEqual([]);
  });

  it('leaves SCTP to declare the peer unreachable without a restart: channels fire sctp-failure, close, and send() throws', async () => {
    const { w, c1, c2 } = await connected();
    const events: string[] = [];
    const errors: RTCError[] = [];
    for (const [name, channel] of [
      ['c1', c1],
      ['c2', c2],
    ] as const) {
      channel.addEventListener('error', (e) => {
        errors.push((e as RTCErrorEvent).error);
        events.push(`${name}:error`);
      });
      channel.addEventListener('close', () => events.push(`${name}:close`));
    }
    w.hostB.link.partition();
    await w.clock.runUntil(() => w.a.connectionState === 'failed', { timeoutMs: 60_000 });
    // ICE failed is not the end (a restart may resume): the message is taken, counted in
    // bufferedAmount until SCTP takes it, and SCTP retransmits it while the path is down.
    c1.send('kept for a restart');
    expect(c1.bufferedAmount).toBe('kept for a restart'.length);
    // RFC 9260 §8.1: Association.Max.Retrans (10) consecutive timeouts, of the DATA on one
    // side (RTO doubling up to 60 s) and of the HEARTBEATs on the idle other side.
    const gone = await w.clock.runUntil(
      () => c1.readyState === 'closed' && c2.readyState === 'closed',
      { timeoutMs: 15 * 60_000 },
    );
    expect(gone).toBe(true);
    expect(events.sort()).toEqual(['c1:close', 'c1:error', 'c2:close', 'c2:error']);
    for (const error of errors) {
      expect(error).toMatchObject({ errorDetail: 'sctp-failure', sctpCauseCode: null });
      expect(error.message).toMatch(/SCTP gave up after \d+ (data|heartbeat) retransmissions/);
    }
    expect([w.a.sctp?.state, w.b.sctp?.state]).toEqual(['closed', 'closed']);
    for (const channel of [c1, c2])
      expect(() => channel.send('late')).toThrow(
        expect.objectContaining({ name: 'InvalidStateError' }),
      );
  });
});

describe('RTCDtlsTransport', () => {
  it('has no remote certificate until connected, then the DER the peer signaled (getRemoteCertificates)', async () => {
    const w = world();
    const channel = w.a.createDataChannel('x');
    await w.a.setLocalDescription();
    const { dtls, ice } = transportsOf(w.a);
    expect(dtls.state).toBe('new');
    expect(dtls.getRemoteCertificates()).toEqual([]);
    const log = eventLog(w.a);
    await w.b.setRemoteDescription(w.a.localDescription!);
    await w.b.setLocalDescription();
    await w.a.setRemoteDescription(w.b.localDescription!);
    await w.clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
    expect(log.filter((e) => e.startsWith('dtls:'))).toEqual(['dtls:connecting', 'dtls:connected']);
    expect(dtls.iceTransport).toBe(ice);
    const certificates = dtls.getRemoteCertificates();
    expect(certificates.length).toBeGreaterThan(0);
    for (const c of certificates) expect(c).toBeInstanceOf(ArrayBuffer);
    const digest = createHash('sha256').update(new Uint8Array(certificates[0]!)).digest('hex');
    const signaled = /a=fingerprint:sha-256 (\S+)/.exec(w.b.localDescription!.sdp)?.[1];
    expect(digest.toUpperCase()).toBe(signaled?.replace(/:/g, ''));
    // A copy each time: the caller cannot change what the transport holds.
    new Uint8Array(certificates[0]!).fill(0);
    expect(new Uint8Array(dtls.getRemoteCertificates()[0]!)[0]).not.toBe(0);
  });

  it('fails with an error event (fingerprint-failure) when the fingerprint does not match', async () => {
    const w = world();
    const channel = w.a.createDataChannel('x');
    await w.a.setLocalDescription();
    const errors: { side: string; event: Event }[] = [];
    const { dtls } = transportsOf(w.a);
    const logA = eventLog(w.a);
    dtls.onerror = (event) => void errors.push({ side: 'a', event });
    const channelEvents: string[] = [];
    channel.onerror = (e) => {
      const { errorDetail, sctpCauseCode } = (e as RTCErrorEvent).error;
      channelEvents.push(`error:${errorDetail}:${sctpCauseCode}`);
    };
    channel.onclose = () => void channelEvents.push('close');
    await w.b.setRemoteDescription(w.a.localDescription!);
    await w.b.setLocalDescription();
    transportsOf(w.b).dtls.addEventListener('error', (event) => errors.push({ side: 'b', event }));
    // The answer's fingerprint is changed: the offerer rejects the answerer's certificate.
    const bad = w.b.localDescription!.sdp.replace(
      /(a=fingerprint:sha-256 )([0-9A-F]{2})/,
      (_m, head: string, byte: string) =>
        `${head}${((Number.parseInt(byte, 16) + 1) & 0xff).toString(16).padStart(2, '0').toUpperCase()}`,
    );
    expect(bad).not.toBe(w.b.localDescription!.sdp);
    await w.a.setRemoteDescription({ type: 'answer', sdp: bad });
    await w.clock.runUntil(() => dtls.state === 'failed' && errors.length >= 2, {
      timeoutMs: 10_000,
    });
    const mine = errors.find((e) => e.side === 'a')?.event;
    expect(mine).toBeInstanceOf(RTCErrorEvent);
    const error = (mine as RTCErrorEvent).error;
    expect(error).toBeInstanceOf(RTCError);
    expect(error.errorDetail).toBe('fingerprint-failure');
    // The error event comes before the state change, once.
    expect(logA.filter((e) => e.startsWith('dtls:'))).toEqual([
      'dtls:connecting',
      'dtls:error',
      'dtls:failed',
    ]);
    expect(w.a.connectionState).toBe('failed');
    expect(dtls.getRemoteCertificates()).toEqual([]);
    // The peer learns it from the alert we sent (RFC 5246 §7.2: bad_certificate is 42).
    const theirs = errors.find((e) => e.side === 'b')?.event as RTCErrorEvent | undefined;
    expect(theirs?.error.errorDetail).toBe('dtls-failure');
    expect(theirs?.error.receivedAlert).toBe(42);
    expect(theirs?.error.sentAlert).toBeNull();
    // The SCTP transport cannot run over a failed DTLS transport: it closes, and the channel
    // waiting for it could not be established (webrtc-pc: a data-channel-failure error, then
    // close, when "the underlying data transport cannot be created").
    expect(await w.clock.runUntil(() => channel.readyState === 'closed', { timeoutMs: 100 })).toBe(
      true,
    );
    expect(channelEvents).toEqual(['error:data-channel-failure:null', 'close']);
    expect(w.a.sctp?.state).toBe('closed');
    expect(logA.filter((e) => e.startsWith('dtls:') || e.startsWith('sctp:'))).toEqual([
      'dtls:connecting',
      'dtls:error',
      'dtls:failed',
      'sctp:closed',
    ]);
    expect(() => channel.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
  });

  it('goes to closed with statechange when the peer closes (close_notify), SCTP too', async () => {
    const { w } = await connected();
    const { dtls, sctp } = transportsOf(w.a);
    const log = eventLog(w.a);
    w.b.close();
    await w.b.released;
    await w.clock.runUntil(() => dtls.state === 'closed' && sctp.state === 'closed', {
      timeoutMs: 10_000,
    });
    expect(log).toContain('dtls:closed');
    expect(log).toContain('sctp:closed');
    expect(log.filter((e) => e === 'dtls:error')).toEqual([]);
  });
});

describe('RTCSctpTransport (RTCSctpTransport-constructor, -maxChannels)', () => {
  it('exists from the local offer on, as webrtc-pc creates it, and a rollback removes it', async () => {
    const { a } = silentWorld();
    expect(a.sctp).toBeNull();
    a.createDataChannel('test');
    expect(a.sctp).toBeNull();
    await a.createOffer();
    expect(a.sctp).toBeNull();
    await a.setLocalDescription();
    const { sctp } = transportsOf(a);
    // webrtc-pc: [[MaxMessageSize]] is null until an answer is applied.
    expect({ state: sctp.state, mms: sctp.maxMessageSize, channels: sctp.maxChannels }).toEqual({
      state: 'connecting',
      mms: null,
      channels: null,
    });
    await a.setLocalDescription({ type: 'rollback' });
    expect(a.sctp).toBeNull();
    await a.setLocalDescription();
    expect(a.sctp).toBeInstanceOf(RTCSctpTransport);
    expect(a.sctp?.maxChannels).toBeNull();
  });

  it('exists from the remote offer on, and a rollback removes it', async () => {
    const { a, b } = silentWorld();
    b.createDataChannel('test');
    const offer = await b.createOffer();
    await a.setRemoteDescription(offer);
    expect(a.sctp).toBeInstanceOf(RTCSctpTransport);
    expect(a.sctp?.maxChannels).toBeNull();
    await a.setRemoteDescription({ type: 'rollback' });
    expect(a.sctp).toBeNull();
    await a.setRemoteDescription(offer);
    expect(a.sctp?.state).toBe('connecting');
  });

  it('is null again after an answer that rejects the data section (port 0)', async () => {
    const { a, b } = silentWorld();
    a.createDataChannel('test');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    expect(b.sctp).toBeInstanceOf(RTCSctpTransport);
    const rejected = b.localDescription!.sdp.replace(/^m=application \d+/m, 'm=application 0');
    expect(rejected).not.toBe(b.localDescription!.sdp);
    await a.setRemoteDescription({ type: 'answer', sdp: rejected });
    expect(a.sctp).toBeNull();
  });

  it('ends SCTP when a renegotiation rejects the data section: channels close, ICE and DTLS stay', async () => {
    const { w, c1, c2 } = await connected();
    const sctp = w.a.sctp!;
    const closed: string[] = [];
    sctp.addEventListener('statechange', () => closed.push(`a sctp ${sctp.state}`));
    c1.addEventListener('close', () => closed.push('a channel'));
    c2.addEventListener('close', () => closed.push('b channel'));
    await w.a.setLocalDescription();
    await w.b.setRemoteDescription(w.a.localDescription!);
    await w.b.setLocalDescription();
    const rejected = w.b.localDescription!.sdp.replace(/^m=application \d+/m, 'm=application 0');
    await w.a.setRemoteDescription({ type: 'answer', sdp: rejected });
    expect(w.a.sctp).toBeNull();
    await w.clock.runUntil(() => closed.length === 3, { timeoutMs: 5000 });
    expect([...closed].sort()).toEqual(['a channel', 'a sctp closed', 'b channel']);
    expect([c1.readyState, c2.readyState]).toEqual(['closed', 'closed']);
    expect(w.a.connectionState).toBe('connected');
    expect(w.a.sctp).toBeNull();
  });

  it('keeps the same objects over a renegotiation', async () => {
    const { w } = await connected();
    const before = transportsOf(w.a);
    await negotiate(w.a, w.b);
    const after = transportsOf(w.a);
    expect([after.sctp, after.dtls, after.ice]).toEqual([before.sctp, before.dtls, before.ice]);
    expect(after.sctp).toBe(before.sctp);
    expect(after.dtls).toBe(before.dtls);
    expect(after.ice).toBe(before.ice);
  });

  it('has maxChannels null until connected, then the negotiated stream count, the same on both sides', async () => {
    const w = world();
    w.a.createDataChannel('');
    await w.a.setLocalDescription();
    const waits = [w.a.sctp!];
    await w.b.setRemoteDescription(w.a.localDescription!);
    waits.push(w.b.sctp!);
    await w.b.setLocalDescription();
    await w.a.setRemoteDescription(w.b.localDescription!);
    expect(waits.map((s) => s.maxChannels)).toEqual([null, null]);
    await w.clock.runUntil(() => waits.every((s) => s.state === 'connected'), {
      timeoutMs: 10_000,
    });
    const [one, two] = waits.map((s) => s.maxChannels);
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThanOrEqual(65_535);
    expect(two).toBe(one);
  });
});

describe('RTCSctpTransport.maxMessageSize (RTCSctpTransport-maxMessageSize, webrtc-pc "update the data max message size")', () => {
  it.each([
    ['the attribute is missing: 65536', null, 65_536],
    ['a value the peer gives', '128', 128],
    ['0: no limit', '0', Number.POSITIVE_INFINITY],
  ])('%s', async (_label, value, expected) => {
    const { a, b } = silentWorld();
    b.createDataChannel('');
    const offer = await b.createOffer();
    await a.setRemoteDescription({
      type: 'offer',
      sdp: withAttribute(offer.sdp!, 'max-message-size', value),
    });
    // [[MaxMessageSize]] starts null; "update the data max message size" runs for an answer,
    // not for the offer.
    expect(a.sctp?.maxMessageSize).toBeNull();
    expect(a.sctp?.maxChannels).toBeNull();
    await a.setLocalDescription();
    expect(a.sctp?.maxMessageSize).toBe(expected);
  });

  it('follows the value of a renegotiation', async () => {
    const { a, b } = silentWorld();
    b.createDataChannel('');
    await b.setLocalDescription();
    await a.setRemoteDescription({
      type: 'offer',
      sdp: withAttribute(b.localDescription!.sdp, 'max-message-size', '1000'),
    });
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    expect(a.sctp?.maxMessageSize).toBe(1000);
    await b.setLocalDescription();
    await a.setRemoteDescription({
      type: 'offer',
      sdp: withAttribute(b.localDescription!.sdp, 'max-message-size', '256'),
    });
    expect(a.sctp?.maxMessageSize).toBe(1000);
    await a.setLocalDescription();
    expect(a.sctp?.maxMessageSize).toBe(256);
    // The offerer reads the answer's value.
    expect(b.sctp?.maxMessageSize).toBe(
      Number(line(a.currentLocalDescription!.sdp, 'max-message-size')),
    );
  });

  it('takes a remote max-message-size:0 of a renegotiation as no limit, after a limit', async () => {
    const { w, c1, c2 } = await connected();
    const got: unknown[] = [];
    c2.onmessage = (e) => void got.push(e.data);
    expect(w.a.sctp?.maxMessageSize).toBe(262_144);
    const renegotiate = async (value: string): Promise<void> => {
      await w.a.setLocalDescription();
      await w.b.setRemoteDescription(w.a.localDescription!);
      await w.b.setLocalDescription();
      await w.a.setRemoteDescription({
        type: 'answer',
        sdp: withAttribute(w.b.localDescription!.sdp, 'max-message-size', value),
      });
    };
    await renegotiate('1000');
    expect(w.a.sctp?.maxMessageSize).toBe(1000);
    // webrtc-pc send(): above maxMessageSize, a TypeError.
    expect(() => c1.send('y'.repeat(1001))).toThrow(TypeError);
    c1.send('y'.repeat(1000));
    await renegotiate('0');
    expect(w.a.sctp?.maxMessageSize).toBe(Number.POSITIVE_INFINITY);
    // Every layer takes the new value: the message goes out and arrives whole.
    c1.send('x'.repeat(200_000));
    await w.clock.runUntil(() => got.length === 2, { timeoutMs: 10_000 });
    expect(got.map((m) => (m as string).length)).toEqual([1000, 200_000]);
  });
});

describe('connection states (RTCPeerConnection-iceConnectionState, -connectionState, -iceGatheringState)', () => {
  it.each([
    ['iceConnectionState', 'new', 'closed'],
    ['connectionState', 'new', 'closed'],
    ['iceGatheringState', 'new', 'new'],
    ['signalingState', 'stable', 'closed'],
  ] as const)('%s is %s at first, %s after close()', async (attribute, initial, closed) => {
    const { a } = silentWorld();
    expect(a[attribute]).toBe(initial);
    a.close();
    await a.released;
    expect(a[attribute]).toBe(closed);
  });

  it('passes checking then connected, and connecting then connected, with the transports in step', async () => {
    const w = world();
    w.a.createDataChannel('test');
    const ice: string[] = [];
    const pc: string[] = [];
    w.a.addEventListener('iceconnectionstatechange', () => {
      ice.push(w.a.iceConnectionState);
      const transport = w.a.sctp!.transport.iceTransport;
      expect(transport.state).toBe(w.a.iceConnectionState);
    });
    w.a.addEventListener('connectionstatechange', () => {
      pc.push(w.a.connectionState);
      if (w.a.connectionState === 'connected') {
        expect(w.a.sctp!.transport.state).toBe('connected');
        expect(['connected', 'completed']).toContain(w.a.sctp!.transport.iceTransport.state);
      }
    });
    await negotiate(w.a, w.b);
    await w.clock.runUntil(() => w.a.connectionState === 'connected', { timeoutMs: 10_000 });
    expect(ice[0]).toBe('checking');
    expect(['connected', 'completed']).toContain(ice[1]);
    expect(pc).toEqual(['connecting', 'connected']);
  });

  it('stays new when no candidate is exchanged', async () => {
    const { a, b, clock } = silentWorld();
    a.createDataChannel('');
    await a.setLocalDescription();
    const noCandidates = (sdp: string): string =>
      sdp.replace(/^a=(?:candidate|end-of-candidates)[^\r\n]*\r\n/gm, '');
    await b.setRemoteDescription({ type: 'offer', sdp: noCandidates(a.localDescription!.sdp) });
    await b.setLocalDescription();
    const answer = noCandidates(b.localDescription!.sdp);
    await a.setRemoteDescription({ type: 'answer', sdp: answer });
    await clock.runUntil(() => false, { timeoutMs: 3_000 });
    expect([a.iceConnectionState, b.iceConnectionState]).toEqual(['new', 'new']);
    expect([a.connectionState, b.connectionState]).toEqual(['new', 'new']);
  });

  it('fires no event on close(), and leaves every transport closed (RTCPeerConnection-close)', async () => {
    const { w, c1 } = await connected();
    const { sctp, dtls, ice } = transportsOf(w.a);
    const channels = sctp.maxChannels;
    const log = eventLog(w.a, c1);
    const signaling: string[] = [];
    w.a.addEventListener('signalingstatechange', () => signaling.push(w.a.signalingState));
    const closing = w.a.close();
    expect({
      sctp: sctp.state,
      dtls: dtls.state,
      ice: ice.state,
      iceConnection: w.a.iceConnectionState,
      connection: w.a.connectionState,
      pair: ice.getSelectedCandidatePair(),
      channel: c1.readyState,
    }).toEqual({
      sctp: 'closed',
      dtls: 'closed',
      ice: 'closed',
      iceConnection: 'closed',
      connection: 'closed',
      pair: null,
      channel: 'closed',
    });
    await closing;
    await w.clock.runUntil(() => false, { timeoutMs: 1_000 });
    expect(log).toEqual([]);
    expect(signaling).toEqual([]);
    // The slot keeps its transport (webrtc-pc "close the connection" only closes it).
    expect(w.a.sctp).toBe(sctp);
    expect(sctp.maxChannels).toBe(channels);
  });
});

describe('canTrickleIceCandidates (RTCPeerConnection-canTrickleIceCandidates)', () => {
  it.each([
    ['with a=ice-options:trickle', true],
    ['without it', false],
  ])('is null before a remote description, then tells the offer %s', async (_label, trickle) => {
    const { a, b } = silentWorld();
    b.createDataChannel('');
    const offer = (await b.createOffer()).sdp!;
    expect(offer).toContain('a=ice-options:trickle\r\n');
    expect(a.canTrickleIceCandidates).toBeNull();
    await a.setRemoteDescription({
      type: 'offer',
      sdp: trickle ? offer : offer.replace(/^a=ice-options:trickle\r\n/gm, ''),
    });
    expect(a.canTrickleIceCandidates).toBe(trickle);
  });
});

describe('readonly attributes (WebIDL: a getter on the prototype, no setter)', () => {
  /** Asserts that each attribute of `object` is a readonly attribute as WebIDL defines one. */
  function assertReadonly(object: object, attributes: readonly string[]): void {
    for (const attribute of attributes) {
      expect(Object.hasOwn(object, attribute), `${attribute} is an own property`).toBe(false);
      let proto: object | null = Object.getPrototypeOf(object);
      let descriptor: PropertyDescriptor | undefined;
      while (proto && !descriptor) {
        descriptor = Object.getOwnPropertyDescriptor(proto, attribute);
        proto = Object.getPrototypeOf(proto);
      }
      expect(descriptor?.get, `${attribute} has a getter`).toBeTypeOf('function');
      expect(descriptor?.set, `${attribute} has no setter`).toBeUndefined();
      const before = (object as Record<string, unknown>)[attribute];
      // Modules are strict code: the assignment throws, and nothing changes.
      expect(() => {
        (object as Record<string, unknown>)[attribute] = 'changed';
      }, attribute).toThrow(TypeError);
      expect((object as Record<string, unknown>)[attribute]).toBe(before);
    }
  }

  it('on the peer connection, its channels and transports', async () => {
    const { w, c1, c2 } = await connected();
    const { ice, dtls, sctp } = transportsOf(w.a);
    assertReadonly(w.a, [
      'signalingState',
      'iceConnectionState',
      'connectionState',
      'iceGatheringState',
      'canTrickleIceCandidates',
      'localDescription',
      'currentLocalDescription',
      'pendingLocalDescription',
      'remoteDescription',
      'currentRemoteDescription',
      'pendingRemoteDescription',
      'sctp',
    ]);
    for (const channel of [c1, c2])
      assertReadonly(channel, [
        'label',
        'ordered',
        'maxPacketLifeTime',
        'maxRetransmits',
        'protocol',
        'negotiated',
        'id',
        'readyState',
        'bufferedAmount',
        'priority',
      ]);
    assertReadonly(ice, ['role', 'component', 'state', 'gatheringState']);
    assertReadonly(dtls, ['iceTransport', 'state']);
    assertReadonly(sctp, ['transport', 'state', 'maxMessageSize', 'maxChannels']);
    assertReadonly(w.a.localDescription!, ['type', 'sdp']);
    // RTCIceCandidatePair is an interface with [SameObject] attributes, the slot's value each time.
    const pair = ice.getSelectedCandidatePair()!;
    expect(pair).toBeInstanceOf(RTCIceCandidatePair);
    expect(ice.getSelectedCandidatePair()).toBe(pair);
    expect(pair.local).toBe(pair.local);
    assertReadonly(pair, ['local', 'remote']);
    assertReadonly(pair.local, [
      'candidate',
      'sdpMid',
      'sdpMLineIndex',
      'usernameFragment',
      'foundation',
      'component',
      'priority',
      'address',
      'protocol',
      'port',
      'type',
      'tcpType',
      'relatedAddress',
      'relatedPort',
      'relayProtocol',
      'url',
    ]);
  });

  it('on errors, events and certificates', async () => {
    const error = new RTCError({ errorDetail: 'sctp-failure', sctpCauseCode: 12 }, 'why');
    assertReadonly(error, [
      'errorDetail',
      'sdpLineNumber',
      'sctpCauseCode',
      'receivedAlert',
      'sentAlert',
    ]);
    assertReadonly(new RTCErrorEvent('error', { error }), ['error']);
    const { w, c1 } = await connected();
    assertReadonly(new RTCDataChannelEvent('datachannel', { channel: c1 }), ['channel']);
    const candidate = new RTCIceCandidate({ candidate: '', sdpMid: '0' });
    assertReadonly(new RTCPeerConnectionIceEvent('icecandidate', { candidate, url: 'stun:x' }), [
      'candidate',
      'url',
    ]);
    assertReadonly(new RTCPeerConnectionIceErrorEvent('icecandidateerror', { errorCode: 701 }), [
      'address',
      'port',
      'url',
      'errorCode',
      'errorText',
    ]);
    assertReadonly(new RTCSessionDescription({ type: 'offer', sdp: 'v=0' }), ['type', 'sdp']);
    const certificate = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
    });
    assertReadonly(certificate, ['expires']);
    expect(w.a.connectionState).toBe('connected');
  });

  it('gives RTCPeerConnectionIceErrorEvent its init defaults, and requires errorCode', () => {
    const event = new RTCPeerConnectionIceErrorEvent('icecandidateerror', { errorCode: 701 });
    expect([event.address, event.port, event.url, event.errorCode, event.errorText]).toEqual([
      null,
      null,
      '',
      701,
      '',
    ]);
    const full = new RTCPeerConnectionIceErrorEvent('icecandidateerror', {
      address: '192.0.2.1',
      port: 65_537,
      url: 'stun:stun.example.net',
      errorCode: 300 + 65_536,
      errorText: 'Try Alternate',
    });
    // WebIDL unsigned short: modulo 2^16.
    expect([full.address, full.port, full.url, full.errorCode, full.errorText]).toEqual([
      '192.0.2.1',
      1,
      'stun:stun.example.net',
      300,
      'Try Alternate',
    ]);
    expect(() => new RTCPeerConnectionIceErrorEvent('x', {} as never)).toThrow(TypeError);
    expect(
      () => new (RTCPeerConnectionIceErrorEvent as unknown as new (t: string) => Event)('x'),
    ).toThrow(TypeError);
  });
});
