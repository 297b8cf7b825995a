// The peers every webrtc benchmark measures, and helpers they share.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const loopback = (text) => / 127\.0\.0\.1 \d+ typ /.test(text) && / udp /i.test(text);

/**
 * The candidate of an `icecandidate` event as an RTCIceCandidateInit to signal, if it is a
 * 127.0.0.1 UDP one (the only kind every benchmark keeps); undefined otherwise.
 */
export function loopbackCandidate(event) {
  const c = event.candidate;
  const text = c?.candidate?.replace(/^a=/, '');
  if (!text || !loopback(text)) return undefined;
  return { candidate: text, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0 };
}

export const peers = {
  'x-webrtc': async () => {
    const { RTCPeerConnection } = await import('@x/webrtc');
    return () =>
      new RTCPeerConnection({
        gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
        mdns: 'off',
      });
  },
  libwebrtc: async () => {
    const wrtc = require('@roamhq/wrtc');
    return () => new wrtc.RTCPeerConnection({ iceServers: [] });
  },
  werift: async () => {
    const { RTCPeerConnection } = await import('werift');
    return () =>
      new RTCPeerConnection({
        iceServers: [],
        iceUseIpv6: false,
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
      });
  },
  libdatachannel: async () => {
    const { RTCPeerConnection } = await import('node-datachannel/polyfill');
    return () => new RTCPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' });
  },
};

/**
 * Resolves with `performance.now()` at the first `event` on `target` after which `check()` holds
 * (at once if it already does). The time is taken inside the event handler, so no poll interval
 * is added to any stack's figure; a 1 ms poll stays as a fallback for a stack that would not fire
 * the event.
 */
export function whenEvent(target, event, check, ms = 20_000) {
  return new Promise((resolve, reject) => {
    if (check()) {
      resolve(performance.now());
      return;
    }
    const listener = () => {
      if (!check()) return;
      const at = performance.now();
      stop();
      resolve(at);
    };
    const poll = setInterval(listener, 1);
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${event}`));
    }, ms);
    const stop = () => {
      clearInterval(poll);
      clearTimeout(timer);
      target.removeEventListener(event, listener);
    };
    target.addEventListener(event, listener);
  });
}

export function ceiling() {
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const record = randomBytes(1200);
  const n = 50_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    iv.writeUInt32BE(i, 8);
    const c = createCipheriv('aes-128-gcm', key, iv);
    const body = c.update(record);
    c.final();
    const tag = c.getAuthTag();
    const d = createDecipheriv('aes-128-gcm', key, iv);
    d.setAuthTag(tag);
    d.update(body);
    d.final();
  }
  return (n * 1200) / ((performance.now() - t0) / 1000) / 1e6;
}

/** Resolves once `total` bytes arrived on `channel` (the receiving end of a bulk transfer). */
export function receiveBulk(channel, total) {
  let got = 0;
  channel.binaryType = 'arraybuffer';
  return new Promise((resolve) => {
    channel.onmessage = (e) => {
      got += e.data.byteLength ?? e.data.length;
      if (got >= total) resolve();
    };
  });
}

/**
 * Sends `total` bytes of 16 KiB messages on `channel`, keeping bufferedAmount at most 1 MiB and
 * resuming at bufferedamountlow (256 KiB), with a 5 ms poll for stacks that miss the event.
 * Returns a function that stops the poll.
 */
export function sendBulk(channel, total) {
  const message = new Uint8Array(16 * 1024).fill(1);
  let sent = 0;
  channel.bufferedAmountLowThreshold = 256 * 1024;
  const pump = () => {
    while (sent < total && channel.bufferedAmount <= 1024 * 1024) {
      channel.send(message);
      sent += message.length;
    }
    if (sent >= total) clearInterval(poll);
  };
  channel.onbufferedamountlow = pump;
  const poll = setInterval(pump, 5);
  pump();
  return () => clearInterval(poll);
}

/**
 * Connects two peers of one stack in this process (trickle in order, as signaling would) and
 * times createOffer → the offerer's `connected`, and → its data channel's `open`.
 */
export async function connectInProcess(make, { timeoutMs = 20_000 } = {}) {
  const a = make();
  const b = make();
  // Trickle, in order, each candidate after the description it follows (as signaling would).
  const forward = (to) => {
    const queue = [];
    const flush = () => {
      while (queue.length > 0 && to.remoteDescription)
        void to.addIceCandidate(queue.shift()).catch(() => {});
    };
    return {
      flush,
      handler: (e) => {
        const candidate = loopbackCandidate(e);
        if (candidate === undefined) return;
        queue.push(candidate);
        flush();
      },
    };
  };
  const toB = forward(b);
  const toA = forward(a);
  a.onicecandidate = toB.handler;
  b.onicecandidate = toA.handler;
  let received;
  const rx = new Promise((r) => {
    b.ondatachannel = (e) => {
      received = e.channel;
      r();
    };
  });
  const t0 = performance.now();
  const dc = a.createDataChannel('bulk');
  const connectedAt = whenEvent(
    a,
    'connectionstatechange',
    () => a.connectionState === 'connected',
    timeoutMs,
  );
  const openAt = whenEvent(dc, 'open', () => dc.readyState === 'open', timeoutMs);
  try {
    const offer = await a.createOffer();
    await a.setLocalDescription(offer);
    await b.setRemoteDescription(a.localDescription);
    toB.flush();
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    toA.flush();
    const connected = (await connectedAt) - t0;
    const open = (await openAt) - t0;
    await rx;
    return { a, b, dc, rx: () => received, connected, open };
  } catch (error) {
    // Some stacks throw now and then (libdatachannel: "Got a remote candidate without ICE
    // transport"): the caller decides whether to go on, with nothing left open.
    connectedAt.catch(() => {});
    openAt.catch(() => {});
    await Promise.allSettled([closePeer(a), closePeer(b)]);
    throw error;
  }
}

/**
 * Closes a peer connection of any stack and waits until it let go of its sockets: ours returns
 * `undefined` from close() (webrtc-pc) and says so with `released`; others return a promise.
 */
export async function closePeer(pc) {
  const returned = pc.close();
  await (pc.released ?? returned);
}
