/**
 * Test helper (not built): the cleanup list every agent test keeps, and one LAN of the virtual
 * network with hosts a, b and x, closed after the test.
 */
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach } from 'vitest';

/** Callbacks run after each test of the calling file, last registered first. */
export function cleanupAfterEach(): (() => Promise<void>)[] {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  return cleanup;
}

/** A LAN 10.0.0.0/24 with hosts a, b and x; the world is closed by `cleanup`. */
export function lanWith(cleanup: (() => Promise<void>)[], seed: number) {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed });
  const r = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
  const ha = world.addHost({ name: 'a', router: r });
  const hb = world.addHost({ name: 'b', router: r });
  const hx = world.addHost({ name: 'x', router: r });
  cleanup.push(() => world.close());
  return { clock, world, r, ha, hb, hx };
}
