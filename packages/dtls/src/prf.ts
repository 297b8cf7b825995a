import { createHmac } from 'node:crypto';

/** Hash of a cipher suite's PRF (RFC 5246 §5: SHA-256 unless the suite says otherwise). */
export type PrfHash = 'sha256' | 'sha384';

/**
 * P_hash of RFC 5246 §5: HMAC-based expansion of `secret` and `seed` to `length` bytes.
 * A(0) = seed, A(i) = HMAC(secret, A(i-1)), output = HMAC(secret, A(1) + seed) + ...
 */
export function pHash(hash: PrfHash, secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let a: Buffer = createHmac(hash, secret).update(seed).digest();
  let filled = 0;
  while (filled < length) {
    const block = createHmac(hash, secret).update(a).update(seed).digest();
    block.copy(out, filled, 0, Math.min(block.length, length - filled));
    filled += block.length;
    if (filled < length) a = createHmac(hash, secret).update(a).digest();
  }
  return out;
}

/** The TLS 1.2 PRF (RFC 5246 §5): `P_hash(secret, label + seed)`. */
export function prf(
  hash: PrfHash,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Buffer {
  return pHash(hash, secret, Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
}

/**
 * master_secret (RFC 5246 §8.1), or with the extended master secret (RFC 7627 §4) when
 * `sessionHash` is given: PRF(pre_master, "extended master secret", session_hash).
 */
export function masterSecret(
  hash: PrfHash,
  preMaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sessionHash: Uint8Array | undefined,
): Buffer {
  if (sessionHash) return prf(hash, preMaster, 'extended master secret', sessionHash, 48);
  return prf(hash, preMaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
}

/** key_block (RFC 5246 §6.3): PRF(master, "key expansion", server_random + client_random). */
export function keyBlock(
  hash: PrfHash,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  length: number,
): Buffer {
  return prf(hash, master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), length);
}

/** verify_data of a Finished message (RFC 5246 §7.4.9): 12 bytes. */
export function verifyData(
  hash: PrfHash,
  master: Uint8Array,
  fromClient: boolean,
  transcriptHash: Uint8Array,
): Buffer {
  return prf(hash, master, fromClient ? 'client finished' : 'server finished', transcriptHash, 12);
}

/**
 * The keying-material exporter of RFC 5705 §4: PRF(master, label, client_random +
 * server_random [+ context_length + context]). DTLS-SRTP uses the label
 * "EXTRACTOR-dtls_srtp" and no context (RFC 5764 §4.2).
 */
export function exportKeyingMaterial(
  hash: PrfHash,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  length: number,
  context?: Uint8Array,
): Buffer {
  const parts: Uint8Array[] = [clientRandom, serverRandom];
  if (context) {
    const len = Buffer.allocUnsafe(2);
    len.writeUInt16BE(context.length, 0);
    parts.push(len, context);
  }
  return prf(hash, master, label, Buffer.concat(parts), length);
}
