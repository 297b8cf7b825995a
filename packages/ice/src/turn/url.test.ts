import { describe, expect, it } from 'vitest';
import { TurnConfigError } from './errors.js';
import { parseTurnUrl } from './url.js';

describe('parseTurnUrl (RFC 7065 §3)', () => {
  it.each([
    ['turn:example.org', 'example.org', 3478, 'udp'],
    ['turn:example.org:1234', 'example.org', 1234, 'udp'],
    ['turn:example.org?transport=udp', 'example.org', 3478, 'udp'],
    ['turn:example.org?transport=tcp', 'example.org', 3478, 'tcp'],
    ['turn:192.0.2.1:5000?transport=TCP', '192.0.2.1', 5000, 'tcp'],
    ['turns:example.org', 'example.org', 5349, 'tls'],
    ['turns:example.org:443?transport=tcp', 'example.org', 443, 'tls'],
    ['turn:[2001:db8::1]:3479', '2001:db8::1', 3479, 'udp'],
    ['turns:[::1]', '::1', 5349, 'tls'],
  ])('%s', (url, host, port, transport) => {
    expect(parseTurnUrl(url)).toEqual({
      url,
      scheme: url.startsWith('turns') ? 'turns' : 'turn',
      host,
      port,
      transport,
    });
  });

  it.each([
    'stun:example.org',
    'turn:',
    'turn://example.org',
    'turn:example.org:0',
    'turn:example.org:70000',
    'turn:example.org?transport=sctp',
    'turns:example.org?transport=udp',
    'turn:user@example.org',
    'turn:[2001:db8::1',
  ])('rejects %s', (url) => {
    expect(() => parseTurnUrl(url)).toThrow(TurnConfigError);
  });
});
