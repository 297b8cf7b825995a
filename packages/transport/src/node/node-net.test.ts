// NodeNet's UDP socket buffers: a burst sent while the receiver's event loop is busy (two peers
// in one process) must wait in the socket instead of being dropped by the system.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_UDP_BUFFER_SIZE, NodeNet } from './node-net.js';

const rmemMax = (): number => {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  } catch {
    return 0;
  }
};

/** Sends `count` datagrams of 1200 bytes in one go, then counts those that arrive. */
async function burst(net: NodeNet, count: number, receiveBufferSize?: number): Promise<number> {
  let got = 0;
  const rx = await net.bindUdp({
    address: '127.0.0.1',
    onMessage: () => {
      got++;
    },
    ...(receiveBufferSize !== undefined ? { receiveBufferSize } : {}),
  });
  const tx = await net.bindUdp({ address: '127.0.0.1', onMessage: () => {} });
  const datagram = Buffer.alloc(1200, 7);
  for (let i = 0; i < count; i++) tx.send(datagram, rx.localAddress.port, '127.0.0.1');
  for (let quiet = 0, last = -1; quiet < 5; ) {
    await new Promise((r) => setTimeout(r, 10));
    quiet = got === last ? quiet + 1 : 0;
    last = got;
  }
  await tx.close();
  await rx.close();
  return got;
}

describe('NodeNet UDP buffers', () => {
  it.skipIf(rmemMax() < DEFAULT_UDP_BUFFER_SIZE)(
    'keeps a burst of 1500 datagrams with the default buffers, and loses part of it with 64 KiB',
    async () => {
      const net = new NodeNet();
      expect(await burst(net, 1500)).toBe(1500);
      expect(await burst(net, 1500, 64 * 1024)).toBeLessThan(1500);
    },
  );

  it('takes its defaults from the constructor', async () => {
    const small = new NodeNet({ udpReceiveBufferSize: 32 * 1024, udpSendBufferSize: 64 * 1024 });
    expect(await burst(small, 1500)).toBeLessThan(1500);
  });
});

describe('NodeNet interfaces', () => {
  it('reads the list from the system at most once per interfacesMaxAgeMs', () => {
    const net = new NodeNet();
    const first = net.interfaces();
    const second = net.interfaces();
    expect(second).toEqual(first);
    // The same reading, in an array of its own: a caller's change does not leak to the next.
    expect(second[0]).toBe(first[0]);
    first.length = 0;
    expect(net.interfaces()).toEqual(second);
    expect(second.some((i) => i.addresses.some((a) => a.address === '127.0.0.1'))).toBe(true);
  });

  it('reads it on every call with interfacesMaxAgeMs 0', () => {
    const net = new NodeNet({ interfacesMaxAgeMs: 0 });
    const first = net.interfaces();
    const second = net.interfaces();
    expect(second).toEqual(first);
    expect(second[0]).not.toBe(first[0]);
  });
});
