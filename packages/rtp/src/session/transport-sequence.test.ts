import { describe, expect, it } from 'vitest';
import { RtpError } from '../errors.js';
import { cryptoRandom } from './random.js';
import { TransportSequenceCounter } from './transport-sequence.js';

describe('TransportSequenceCounter', () => {
  it('counts by one and wraps at 16 bits', () => {
    const c = new TransportSequenceCounter(0xfffe);
    expect([c.take(), c.take(), c.take()]).toEqual([0xfffe, 0xffff, 0]);
    expect(c.next).toBe(1);
    expect(new TransportSequenceCounter().next).toBe(1);
    expect(() => new TransportSequenceCounter(0x1_0000)).toThrow(RtpError);
  });

  it('the default random source gives numbers in [0, 1)', () => {
    for (let i = 0; i < 1000; i++) {
      const v = cryptoRandom();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
