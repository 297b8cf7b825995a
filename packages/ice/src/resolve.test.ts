import { expect, it } from 'vitest';
import { canonicalIp, resolveHost } from './resolve.js';

it('writes IP literals in one form and refuses what is not one', () => {
  expect(canonicalIp('192.0.2.7')).toBe('192.0.2.7');
  expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
  expect(canonicalIp('::ffff:192.0.2.7')).toBe(canonicalIp('::FFFF:c000:0207'));
  expect(canonicalIp('example.com')).toBeUndefined();
  expect(canonicalIp('abc.local')).toBeUndefined();
  expect(canonicalIp('2001:db8::zz')).toBeUndefined();
});

it('resolves an IP literal to itself without asking DNS', async () => {
  expect(await resolveHost('2001:db8:0::1')).toEqual(['2001:db8::1']);
  expect(await resolveHost('198.51.100.1')).toEqual(['198.51.100.1']);
});
