// @x/ice against libwebrtc's ICE agent (Chrome's WebRTC M106 through @roamhq/wrtc) over
// 127.0.0.1, in both roles. Only ICE is exercised: libwebrtc gets a hand-made answer with our
// credentials (its DTLS never starts because nothing answers it), and both sides must reach a
// selected pair. libwebrtc gathers every interface, so its checks also arrive from the host's
// other addresses: we must learn and pair those peer-reflexive paths, which it may nominate.
import { createRequire } from 'node:module';
import { Agent, ConnectionState, parseCandidate, serializeCandidate } from '@x/ice';
import { afterEach, expect, it } from 'vitest';

interface Pc {
  iceConnectionState: string;
  localDescription: { sdp: string } | null;
  onicecandidate: ((e: { candidate: { candidate: string } | null }) => void) | null;
  createDataChannel(label: string): unknown;
  createOffer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  addIceCandidate(c: { candidate: string; sdpMid: string; sdpMLineIndex: number }): Promise<void>;
  close(): void;
}
const require = createRequire(import.meta.url);
const wrtc = require('@roamhq/wrtc') as { RTCPeerConnection: new (c: object) => Pc };

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

for (const weControl of [false, true]) {
  it(`connects with libwebrtc (offerer) as the ${weControl ? 'controlling (after a role conflict)' : 'controlled'} agent`, async () => {
    const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    closers.push(() => pc.close());
    pc.createDataChannel('x');
    const remote: string[] = [];
    let gathered = false;
    pc.onicecandidate = (e) => {
      if (e.candidate) remote.push(e.candidate.candidate);
      else gathered = true;
    };
    await pc.setLocalDescription(await pc.createOffer());
    await waitFor(() => gathered);
    const sdp = pc.localDescription!.sdp;
    const field = (name: string) => new RegExp(`a=${name}:(\\S+)`).exec(sdp)![1]!;
    const agent = new Agent(
      {
        controlling: weControl,
        mdns: 'off',
        gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
        onCandidate: (c) => {
          if (c)
            void pc.addIceCandidate({
              candidate: serializeCandidate(c),
              sdpMid: field('mid'),
              sdpMLineIndex: 0,
            });
        },
      },
      () => {},
    );
    closers.push(() => agent.close());
    const fingerprint = Array.from({ length: 32 }, (_, i) =>
      ((i * 7) % 256).toString(16).padStart(2, '0'),
    ).join(':');
    await pc.setRemoteDescription({
      type: 'answer',
      sdp: [
        'v=0',
        'o=- 1 2 IN IP4 127.0.0.1',
        's=-',
        't=0 0',
        `a=group:BUNDLE ${field('mid')}`,
        'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
        'c=IN IP4 0.0.0.0',
        `a=ice-ufrag:${agent.localCredentials.ufrag}`,
        `a=ice-pwd:${agent.localCredentials.pwd}`,
        `a=fingerprint:sha-256 ${fingerprint.toUpperCase()}`,
        'a=setup:active',
        `a=mid:${field('mid')}`,
        'a=sctp-port:5000',
        '',
      ].join('\r\n'),
    });
    agent.setRemoteCredentials(field('ice-ufrag'), field('ice-pwd'));
    await agent.gather();
    for (const line of remote) {
      const c = parseCandidate(line);
      if (c.address === '127.0.0.1' && c.transport === 'udp') agent.addRemoteCandidate(c);
    }
    agent.addRemoteCandidate(null);
    await waitFor(
      () =>
        (agent.state === ConnectionState.Connected || agent.state === ConnectionState.Completed) &&
        (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed'),
    );
    expect(agent.selectedPair?.nominated).toBe(true);
  });
}

async function waitFor(predicate: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
