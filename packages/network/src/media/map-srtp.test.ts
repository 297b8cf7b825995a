import { SrtpProtectionProfile } from '@x/dtls';
import { SrtpProfile } from '@x/srtp';
import { expect, it } from 'vitest';
import { mapSrtpProfile } from './map-srtp.js';

it('maps every DTLS-SRTP protection profile to the SRTP profile of the same IANA number', () => {
  const all = Object.values(SrtpProtectionProfile).filter((v) => typeof v === 'number');
  expect(all).toHaveLength(4);
  for (const p of all) {
    const mapped = mapSrtpProfile(p);
    expect(mapped).toBe(p as number);
    expect(SrtpProfile[mapped]).toBe(SrtpProtectionProfile[p]);
  }
  expect(() => mapSrtpProfile(0x99 as SrtpProtectionProfile)).toThrow(/unknown/);
});
