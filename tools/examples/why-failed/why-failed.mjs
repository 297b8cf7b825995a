// Inspect why a connection failed. Three RTCPeerConnection pairs of @x/webrtc fail for three
// real reasons, and for each the program prints what a user sees: every state change of every
// layer (ICE transport, DTLS transport, SCTP transport, data channel, iceConnectionState,
// connectionState) with the cause that @x/webrtc attaches to it (`event.cause`,
// `pc.connectionStateCause`), then what to do about the failure, decided by a
// `switch (cause.kind)` on the typed cause and its fields (no regex over prose), then
// `getStats()` of the failed connection.
//
//   1. peer-gone:   the remote peer drops off the network mid-call (its link goes dead):
//                   `disconnected` after 2.5 s of silence, `failed` when consent expires
//                   (RFC 7675).
//   2. bad-fingerprint: the answer's a=fingerprint was altered on the way: DTLS refuses the
//                   peer's certificate (RFC 8122 §5, RFC 8827 §6.5).
//   3. no-path:     both peers sit behind NATs on different private networks and no STUN or
//                   TURN server is configured: every candidate pair fails (RFC 8445 §7.2.5.3).
//
// Everything runs on the virtual network and virtual clock of @x/transport/testing, which
// every layer accepts instead of real sockets and timers (`net`, `clock` in RTCConfiguration):
// the 12 s of a consent expiry take a few milliseconds, and a run repeats exactly.
//
// Run it: `pnpm --filter @x-tools/example-why-failed start` (after the build).
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { RTCPeerConnection } from '@x/webrtc';

/** Two peer connections on a virtual world, with trickle signalling and a timeline. */
function setup(name, clock, hostA, hostB) {
  const a = new RTCPeerConnection({ net: hostA, clock, mdns: 'off' });
  const b = new RTCPeerConnection({ net: hostB, clock, mdns: 'off' });
  const t0 = clock.now();
  const log = (who, line) =>
    console.log(`  ${String(clock.now() - t0).padStart(6)} ms  ${who}  ${line}`);
  // The transports exist once the remote description is applied (`pc.sctp` is then set):
  // watch them from the first signalingstatechange that has them, before candidates flow.
  const watch = (pc, who) => {
    const sctp = pc.sctp;
    const dtls = sctp.transport;
    const ice = dtls.iceTransport;
    ice.onstatechange = () => log(who, `  ICE transport  ${ice.state}`);
    ice.onselectedcandidatepairchange = () => {
      const pair = ice.getSelectedCandidatePair();
      log(
        who,
        `  selected pair  ${pair.local.address}:${pair.local.port} (${pair.local.type}) <-> ${pair.remote.address}:${pair.remote.port} (${pair.remote.type})`,
      );
    };
    dtls.onstatechange = () => log(who, `  DTLS transport ${dtls.state}`);
    sctp.onstatechange = () => log(who, `  SCTP transport ${sctp.state}`);
  };
  for (const [pc, who] of [
    [a, 'A'],
    [b, 'B'],
  ]) {
    const onSignaling = () => {
      if (!pc.sctp) return;
      pc.removeEventListener('signalingstatechange', onSignaling);
      watch(pc, who);
    };
    pc.addEventListener('signalingstatechange', onSignaling);
  }
  for (const [pc, other, who] of [
    [a, b, 'A'],
    [b, a, 'B'],
  ]) {
    // Trickle: candidates go to the other side once it has our description.
    const queue = [];
    const flush = () => {
      while (queue.length > 0 && other.remoteDescription) void other.addIceCandidate(queue.shift());
    };
    other.addEventListener('signalingstatechange', flush);
    pc.onicecandidate = (e) => {
      if (e.candidate) {
        queue.push(e.candidate.toJSON());
        flush();
      }
    };
    // The W3C events of the peer connection carry a cause (an extension of @x/webrtc): an
    // RTCStateCause, whose `${cause}` is its sentence (`cause.message`).
    pc.oniceconnectionstatechange = (e) =>
      log(who, `iceConnectionState ${pc.iceConnectionState.padEnd(12)} because ${e.cause}`);
    pc.onconnectionstatechange = (e) =>
      log(who, `connectionState    ${pc.connectionState.padEnd(12)} because ${e.cause}`);
    pc.ondatachannel = (e) => {
      e.channel.onmessage = (m) => e.channel.send(m.data);
    };
  }
  console.log(`\n${name}`);
  return { a, b, log };
}

/** Offer/answer; `tamper` may rewrite the answer on its way to the offerer. */
async function negotiate({ a, b, log }, tamper = (sdp) => sdp) {
  const channel = a.createDataChannel('chat');
  channel.onopen = () => log('A', '  data channel   open');
  channel.onclose = (e) => log('A', `  data channel   closed because ${e.cause}`);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription({ type: 'answer', sdp: tamper(b.localDescription.sdp) });
  return channel;
}

/** What getStats() says about the failed connection (webrtc-stats dictionaries). */
async function printStats(pc) {
  const report = await pc.getStats();
  const entries = [...report.values()];
  const pick = (entry, keys) =>
    keys
      .filter((k) => entry[k] !== undefined)
      .map((k) => `${k}=${entry[k]}`)
      .join(' ');
  const candidate = (id) => {
    const c = report.get(id);
    return c ? `${c.address}:${c.port} (${c.candidateType})` : id;
  };
  console.log('  getStats() of A:');
  for (const t of entries.filter((e) => e.type === 'transport')) {
    console.log(
      `    transport       ${pick(t, ['iceState', 'dtlsState', 'iceRole', 'dtlsRole', 'dtlsCipher', 'selectedCandidatePairChanges', 'packetsSent', 'packetsReceived'])}`,
    );
    const selected = t.selectedCandidatePairId;
    const pairs = entries.filter((e) => e.type === 'candidate-pair');
    for (const p of pairs) {
      console.log(
        `    candidate-pair  ${candidate(p.localCandidateId)} <-> ${candidate(p.remoteCandidateId)}${p.id === selected ? ' [selected]' : ''} ${pick(p, ['state', 'nominated', 'packetsSent', 'packetsReceived', 'bytesSent', 'bytesReceived', 'currentRoundTripTime'])}`,
      );
    }
    if (pairs.length === 0) console.log('    (no candidate pair)');
    if (selected === undefined) console.log('    (no candidate pair was ever selected)');
  }
}

/**
 * What to do about a failure: decided from the cause's `kind` and the fields of that kind
 * (the pair, the silence, the fingerprints, the alert, the SCTP cause codes), not its wording.
 */
function advice(cause) {
  switch (cause.kind) {
    case 'no-packets':
    case 'consent-expired': {
      const { address, port } = cause.pair.remote;
      return `${address}:${port} stopped answering ${(cause.silentMs / 1000).toFixed(1)} s ago: the peer left or lost its network; wait for it, then pc.restartIce()`;
    }
    case 'all-pairs-failed':
      return cause.localCandidates === 0
        ? 'no local address to connect from: check the interfaces (and gather.includeLoopback)'
        : `${cause.pairs === 1 ? 'the only candidate pair got no answer' : `none of the ${cause.pairs} candidate pairs got an answer`}: no direct path between the peers; add a TURN server to iceServers`;
    case 'fingerprint-mismatch':
      return `the certificate is ${cause.actual.slice(0, 22)}…, the description said ${cause.expected.map((f) => `${f.slice(0, 22)}…`).join(' or ')}: the SDP was altered between the peers; secure the signaling channel`;
    case 'alert-received':
      return `the peer refused the DTLS handshake with alert ${cause.alertCode} (${cause.alert}): look at its side for why`;
    case 'handshake-timeout':
      return `no DTLS answer after ${cause.retransmissions} retransmissions: a firewall drops it, or the peer is not running DTLS`;
    case 'protocol-error':
      return `the peer broke the DTLS protocol (we sent ${cause.alert}): ${cause.reason}`;
    case 'aborted-by-peer':
      return `the peer aborted the association (SCTP cause codes ${cause.causes.join(', ')}; 12 is its close())`;
    case 'closed-by-user':
      return 'closed here, on purpose';
    default:
      return `${cause.layer}: ${cause.message}`;
  }
}

async function finish({ a, b }, world) {
  for (const [pc, who] of [
    [a, 'A'],
    [b, 'B'],
  ]) {
    if (pc.connectionState !== 'failed') continue;
    const cause = pc.connectionStateCause;
    console.log(
      `  => ${who}.connectionState '${pc.connectionState}' (${cause.layer} ${cause.kind}): ${cause}`,
    );
    console.log(`     what to do: ${advice(cause)}`);
  }
  await printStats(a);
  a.close();
  b.close();
  await Promise.all([a.released, b.released]);
  await world.close();
}

// ---- 1. the peer goes away -----------------------------------------------------------------
{
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 1 });
  const wan = world.addRouter({ name: 'wan', cidr: '198.51.100.0/24' });
  const hostA = world.addHost({ name: 'a', router: wan, link: { delayMs: 10 } });
  const hostB = world.addHost({ name: 'b', router: wan, link: { delayMs: 10 } });
  const peers = setup('1. peer-gone: the remote peer drops off the network', clock, hostA, hostB);
  const channel = await negotiate(peers);
  await clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
  let echo;
  channel.onmessage = (m) => {
    echo = m.data;
    peers.log('A', `  data channel   echo "${m.data}"`);
  };
  channel.send('are you there?');
  await clock.runUntil(() => echo !== undefined, { timeoutMs: 10_000 });
  peers.log('A', "--- B's link goes dead (cable pulled, Wi-Fi lost, process frozen)");
  hostB.link.partition();
  await clock.runUntil(() => peers.a.connectionState === 'failed', { timeoutMs: 60_000 });
  await finish(peers, world);
}

// ---- 2. the fingerprint does not match -------------------------------------------------------
{
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 2 });
  const wan = world.addRouter({ name: 'wan', cidr: '198.51.100.0/24' });
  const hostA = world.addHost({ name: 'a', router: wan, link: { delayMs: 10 } });
  const hostB = world.addHost({ name: 'b', router: wan, link: { delayMs: 10 } });
  const peers = setup('2. bad-fingerprint: the answer was altered in transit', clock, hostA, hostB);
  // Reverse the bytes of the answer's certificate fingerprint: B's certificate no longer matches.
  await negotiate(peers, (sdp) =>
    sdp.replace(
      /^a=fingerprint:(\S+) (\S+)$/m,
      (_line, algorithm, value) =>
        `a=fingerprint:${algorithm} ${value.split(':').reverse().join(':')}`,
    ),
  );
  await clock.runUntil(() => peers.a.connectionState === 'failed', { timeoutMs: 60_000 });
  await clock.runUntil(() => peers.b.connectionState === 'failed', { timeoutMs: 60_000 });
  await finish(peers, world);
}

// ---- 3. no path between the peers ----------------------------------------------------------
{
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 3 });
  const wan = world.addRouter({ name: 'wan', cidr: '198.51.100.0/24' });
  const nat = { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' };
  const home = world.addRouter({ name: 'home', cidr: '192.168.1.0/24', parent: wan, nat });
  const office = world.addRouter({ name: 'office', cidr: '10.0.0.0/24', parent: wan, nat });
  const hostA = world.addHost({ name: 'a', router: home, link: { delayMs: 10 } });
  const hostB = world.addHost({ name: 'b', router: office, link: { delayMs: 10 } });
  const peers = setup(
    '3. no-path: two private networks behind NATs, no STUN or TURN server',
    clock,
    hostA,
    hostB,
  );
  await negotiate(peers);
  await clock.runUntil(() => peers.a.connectionState === 'failed', { timeoutMs: 120_000 });
  await finish(peers, world);
}
