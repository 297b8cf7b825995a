// Two RTCPeerConnections of @x/webrtc with iceTransportPolicy 'relay' connect through a real
// coturn on 127.0.0.1: the agent gathers its relay candidate from `iceServers` itself, signals
// nothing but relay candidates, and the data channel runs relay to relay. A second server
// entry with a wrong password gives an `icecandidateerror` (401) and gathering still completes.
import {
  type RTCDataChannel,
  RTCPeerConnection,
  type RTCPeerConnectionIceErrorEvent,
} from '@x/webrtc';
import { expect, it } from 'vitest';
import { coturnForFile, until } from './shared.js';

const coturn = coturnForFile();

it('connects relay to relay through coturn with iceTransportPolicy relay', async () => {
  const url = `turn:127.0.0.1:${coturn().port}`;
  const config = {
    iceTransportPolicy: 'relay' as const,
    iceServers: [
      { urls: url, username: coturn().username, credential: coturn().password },
      { urls: `${url}?transport=udp`, username: coturn().username, credential: 'wrong-password' },
    ],
    mdns: 'off' as const,
  };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  const types: string[] = [];
  const errors: number[] = [];
  try {
    for (const [pc, other] of [
      [a, b],
      [b, a],
    ] as const) {
      pc.onicecandidate = (e) => {
        if (e.candidate?.candidate) {
          types.push(e.candidate.type ?? '');
          void other.addIceCandidate(e.candidate);
        }
      };
      pc.onicecandidateerror = (e: RTCPeerConnectionIceErrorEvent) => errors.push(e.errorCode);
    }
    const channel = a.createDataChannel('relayed');
    let remote: RTCDataChannel | undefined;
    b.ondatachannel = (e) => {
      remote = e.channel;
      remote.onmessage = (m) => remote!.send(`echo:${m.data}`);
    };
    // Descriptions first, candidates after: gathering starts at setLocalDescription.
    const offer = await a.createOffer();
    await b.setRemoteDescription(offer);
    await a.setLocalDescription(offer);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    const replies: string[] = [];
    channel.onmessage = (m) => replies.push(m.data as string);
    await until(() => channel.readyState === 'open', 'the relayed channel to open');
    channel.send('hello');
    await until(() => replies.length === 1, 'the echo');
    expect(replies).toEqual(['echo:hello']);
    expect(a.connectionState).toBe('connected');
    expect(new Set(types)).toEqual(new Set(['relay']));
    expect(errors).toEqual([401, 401]);
    const pair = a.sctp!.transport.iceTransport.getSelectedCandidatePair();
    expect([pair?.local.type, pair?.remote.type]).toEqual(['relay', 'relay']);
  } finally {
    a.close();
    await a.released;
    b.close();
    await b.released;
  }
}, 30_000);
