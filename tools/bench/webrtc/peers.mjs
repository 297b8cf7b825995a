// The peers every webrtc benchmark measures, and helpers they share.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const loopback = (text) => / 127\.0\.0\.1 \d+ typ /.test(text) && / udp /i.test(text);

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

export async function until(check, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(0.5);
  }
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
