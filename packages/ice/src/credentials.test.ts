import { describe, expect, it } from 'vitest';
import { checkCredentials } from './config.js';
import { generateIceCredentials, randomIceString } from './credentials.js';

describe('generateIceCredentials (RFC 8445 §5.3)', () => {
  it('gives an 8-character ufrag and a 24-character pwd of ice-chars, new each time, that the agent accepts', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { ufrag, pwd } = generateIceCredentials();
      expect(ufrag).toMatch(/^[A-Za-z0-9+/]{8}$/); // 48 bits (≥ 24)
      expect(pwd).toMatch(/^[A-Za-z0-9+/]{24}$/); // 144 bits (≥ 128)
      expect(() => checkCredentials(ufrag, pwd, 'ufrag', 'pwd')).not.toThrow();
      seen.add(ufrag);
    }
    expect(seen.size).toBe(1000);
    expect(randomIceString(5)).toMatch(/^[A-Za-z0-9+/]{5}$/);
  });
});
