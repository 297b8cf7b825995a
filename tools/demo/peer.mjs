// One peer of the demo: an RTCPeerConnection of @x/webrtc on real 127.0.0.1 sockets. The
// parent process (run.mjs) is the offerer; this file, forked by it, is the answerer. Signaling
// (SDP and trickled candidates) goes over the IPC channel of child_process.fork.
import { RTCPeerConnection } from '@x/webrtc';

/** Builds a peer connection that reports every state change of every layer to `log`. */
export function createPeer({ send, log }) {
  const pc = new RTCPeerConnection({
    // A loopback-only demo: gather 127.0.0.1 and nothing else.
    gather: {
      includeLoopback: true,
      ipv6: false,
      addressFilter: (address) => address === '127.0.0.1',
    },
    mdns: 'off',
  });
  const queue = [];
  const flush = () => {
    while (pc.remoteDescription && queue.length > 0) void pc.addIceCandidate(queue.shift());
  };
  pc.onicecandidate = (e) => {
    // An empty candidate is end-of-candidates (RFC 8838): forwarding it lets ICE reach `completed`.
    if (e.candidate) send({ type: 'candidate', candidate: e.candidate.toJSON() });
  };
  pc.onicegatheringstatechange = () => log(`GATH ${pc.iceGatheringState}`);
  pc.onsignalingstatechange = () => {
    log(`SIG  ${pc.signalingState}`);
    flush();
  };
  pc.oniceconnectionstatechange = (e) => log(`ICE  ${pc.iceConnectionState.padEnd(12)} ${e.cause}`);
  pc.onconnectionstatechange = (e) => log(`PC   ${pc.connectionState.padEnd(12)} ${e.cause}`);
  let transportsWatched = false;
  const watchTransports = () => {
    if (transportsWatched || !pc.sctp) return;
    transportsWatched = true;
    const dtls = pc.sctp.transport;
    const ice = dtls.iceTransport;
    ice.onselectedcandidatepairchange = () => {
      const pair = ice.getSelectedCandidatePair();
      log(
        `PAIR ${pair.local.address}:${pair.local.port} (${pair.local.type}) <-> ${pair.remote.address}:${pair.remote.port} (${pair.remote.type})`,
      );
    };
    dtls.onstatechange = () => log(`DTLS ${dtls.state}`);
    pc.sctp.onstatechange = () =>
      log(`SCTP ${pc.sctp.state} (max message size ${pc.sctp.maxMessageSize} bytes)`);
  };
  return {
    pc,
    async onSignal(message) {
      if (message.type === 'candidate') {
        queue.push(message.candidate);
        flush();
      } else if (message.type === 'offer') {
        await pc.setRemoteDescription(message.description);
        watchTransports();
        await pc.setLocalDescription();
        send({ type: 'answer', description: pc.localDescription.toJSON() });
      } else if (message.type === 'answer') {
        await pc.setRemoteDescription(message.description);
        watchTransports();
      }
    },
  };
}

// Forked: be the answerer. Echo text; count binary bytes and report them when asked.
if (process.send && process.argv[2] === '--answerer') {
  const peer = createPeer({
    send: (m) => process.send(m),
    log: (line) => process.send({ type: 'log', line }),
  });
  peer.pc.ondatachannel = (e) => {
    const channel = e.channel;
    process.send({
      type: 'log',
      line: `DC   "${channel.label}" (${channel.protocol}) opened by the peer on stream ${channel.id}`,
    });
    let bytes = 0;
    channel.onmessage = (m) => {
      if (typeof m.data !== 'string') bytes += m.data.byteLength;
      else if (m.data === 'bulk-done?') channel.send(`bulk-done:${bytes}`);
      else channel.send(`echo: ${m.data}`);
    };
  };
  // Media: each remote track's events with their causes, and its complete frames counted.
  const watched = new WeakSet();
  peer.pc.ontrack = ({ track, receiver, transceiver }) => {
    // `track` fires again when the peer resumes sending: the same track, watched once.
    if (watched.has(track)) return;
    watched.add(track);
    const log = (line) => process.send({ type: 'log', line: `TRK  ${track.kind} ${line}` });
    log(`track on mid ${transceiver.mid} (muted until its first RTP packet)`);
    for (const type of ['mute', 'unmute', 'ended'])
      track.addEventListener(type, (e) => log(`${type.padEnd(6)} ${describeTrackCause(e.cause)}`));
    // The codec the answer negotiated, once media flows.
    track.addEventListener(
      'unmute',
      () => {
        const codec = receiver.getParameters().codecs[0];
        log(`receiving ${codec?.mimeType} (payload type ${codec?.payloadType})`);
      },
      { once: true },
    );
    void (async () => {
      let frames = 0;
      let keyframes = 0;
      for await (const frame of track.frames()) {
        frames++;
        if (frame.keyframe && track.kind === 'video') keyframes++;
      }
      const keys = track.kind === 'video' ? ` (${keyframes} keyframes)` : '';
      log(`${frames} complete frames received${keys}`);
    })();
  };
  process.on('message', (message) => void peer.onSignal(message));
  process.send({ type: 'ready' });
}

/** A track's typed cause (TrackStateCause of @x/webrtc) in words. */
export function describeTrackCause(cause) {
  switch (cause.kind) {
    case 'rtp-received':
      return `RTP received from SSRC ${cause.ssrc}`;
    case 'description':
      return `the ${cause.description} description made it ${cause.direction}`;
    case 'rtcp-bye':
      return `RTCP BYE from SSRC ${cause.ssrc}`;
    case 'transceiver-stopped':
      return `transceiver stopped (${cause.by})`;
    default:
      return cause.kind;
  }
}
