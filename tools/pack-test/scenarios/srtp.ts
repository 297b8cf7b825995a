// @x/srtp alone (with @x/rtp): two sessions keyed from the same DTLS-SRTP keying material, as
// the client and the server end; RTP and RTCP protected by one and unprotected by the other,
// for a counter-mode and an AEAD profile, with a tampered packet dropped and counted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DTLS_SRTP_EXPORTER_LABEL,
  dtlsSrtpKeyingMaterialLength,
  SrtpError,
  SrtpProfile,
  SrtpSession,
  type SrtpSessionStats,
  srtpKeysFromDtls,
  srtpProfileParameters,
} from '@x/srtp';

assert.equal(DTLS_SRTP_EXPORTER_LABEL, 'EXTRACTOR-dtls_srtp');
const done: string[] = [];
for (const profile of [SrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.AeadAes128Gcm]) {
  // What DtlsTransport.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, length) would return.
  const material = randomBytes(dtlsSrtpKeyingMaterialLength(profile));
  const client = new SrtpSession({ profile, ...srtpKeysFromDtls(material, profile, 'client') });
  const server = new SrtpSession({ profile, ...srtpKeysFromDtls(material, profile, 'server') });

  const rtp = Buffer.alloc(12 + 160, 0xab);
  rtp[0] = 0x80;
  rtp[1] = 111;
  rtp.writeUInt32BE(0x11223344, 8);
  for (const seq of [65534, 65535, 0, 1]) {
    rtp.writeUInt16BE(seq, 2);
    const srtp = client.protectRtp(rtp);
    assert.equal(srtp.length, rtp.length + srtpProfileParameters(profile).rtpTagLength);
    assert.deepEqual(server.unprotectRtp(srtp), rtp);
  }
  const rtcp = Buffer.from('80c800065566778800000000000000000000000000000000000000000000', 'hex');
  assert.deepEqual(client.unprotectRtcp(server.protectRtcp(rtcp)), rtcp);

  rtp.writeUInt16BE(2, 2);
  const forged = client.protectRtp(rtp);
  forged[20] = (forged[20] ?? 0) ^ 1;
  assert.equal(server.unprotectRtp(forged), undefined);
  assert.equal(server.lastDropReason, 'authFailed');
  const stats: SrtpSessionStats = server.stats;
  assert.equal(stats.rtpUnprotected, 4);
  assert.equal(stats.rtpDropped.authFailed, 1);
  done.push(srtpProfileParameters(profile).name);
}
try {
  new SrtpSession({
    profile: SrtpProfile.AeadAes256Gcm,
    local: { masterKey: new Uint8Array(16), masterSalt: new Uint8Array(12) },
    remote: { masterKey: new Uint8Array(32), masterSalt: new Uint8Array(12) },
  });
  assert.fail('a 16-octet key for AES-256-GCM was accepted');
} catch (e) {
  assert.ok(SrtpError.isInstance(e));
  assert.equal(e.name, 'SrtpConfigurationError');
}
console.log(`srtp: ok (${done.join(', ')})`);
