/** @internal Record content types (RFC 5246 §6.2.1). */
export const ContentType = {
  ChangeCipherSpec: 20,
  Alert: 21,
  Handshake: 22,
  ApplicationData: 23,
} as const;

/** @internal Handshake message types (RFC 5246 §7.4, RFC 6347 §4.3.2). */
export const HandshakeType = {
  HelloRequest: 0,
  ClientHello: 1,
  ServerHello: 2,
  HelloVerifyRequest: 3,
  Certificate: 11,
  ServerKeyExchange: 12,
  CertificateRequest: 13,
  ServerHelloDone: 14,
  CertificateVerify: 15,
  ClientKeyExchange: 16,
  Finished: 20,
} as const;

/** @internal DTLS 1.2 on the wire (RFC 6347 §4.1: the 1's complement of 1.2). */
export const DTLS_1_2 = 0xfefd;
/** @internal DTLS 1.0, which HelloVerifyRequest and first records may carry (RFC 6347 §4.2.1). */
export const DTLS_1_0 = 0xfeff;

/** @internal Record header: type, version, epoch, 48-bit sequence number, length (RFC 6347 §4.1). */
export const RECORD_HEADER = 13;
/** @internal Handshake header: type, length, message_seq, fragment offset and length (RFC 6347 §4.2.2). */
export const HANDSHAKE_HEADER = 12;

/** Alert levels (RFC 5246 §7.2). */
export enum AlertLevel {
  Warning = 1,
  Fatal = 2,
}

/** Alert descriptions (RFC 5246 §7.2, RFC 8446 §6 for the newer ones). */
export enum AlertDescription {
  CloseNotify = 0,
  UnexpectedMessage = 10,
  BadRecordMac = 20,
  RecordOverflow = 22,
  HandshakeFailure = 40,
  BadCertificate = 42,
  UnsupportedCertificate = 43,
  CertificateRevoked = 44,
  CertificateExpired = 45,
  CertificateUnknown = 46,
  IllegalParameter = 47,
  UnknownCa = 48,
  AccessDenied = 49,
  DecodeError = 50,
  DecryptError = 51,
  ProtocolVersion = 70,
  InsufficientSecurity = 71,
  InternalError = 80,
  UserCanceled = 90,
  NoRenegotiation = 100,
  UnsupportedExtension = 110,
}

/** @internal Extension types. */
export const ExtensionType = {
  SupportedGroups: 10, // RFC 8422 §5.1.1
  EcPointFormats: 11, // RFC 8422 §5.1.2
  SignatureAlgorithms: 13, // RFC 5246 §7.4.1.4.1
  UseSrtp: 14, // RFC 5764 §4.1.1
  ExtendedMasterSecret: 23, // RFC 7627 §5.1
  RecordSizeLimit: 28, // RFC 8449 §4
  RenegotiationInfo: 0xff01, // RFC 5746 §3.2
} as const;

/** Key-exchange groups (RFC 8422 §5.1.1). */
export enum NamedGroup {
  Secp256r1 = 23,
  X25519 = 29,
}

/** Signature schemes (RFC 8446 §4.2.3, the TLS 1.2 hash/signature pairs of RFC 5246 §7.4.1.4.1). */
export enum SignatureScheme {
  RsaPkcs1Sha256 = 0x0401,
  RsaPkcs1Sha384 = 0x0501,
  RsaPkcs1Sha512 = 0x0601,
  EcdsaSecp256r1Sha256 = 0x0403,
  EcdsaSecp384r1Sha384 = 0x0503,
  RsaPssRsaeSha256 = 0x0804,
  RsaPssRsaeSha384 = 0x0805,
}

/** SRTP protection profiles for `use_srtp` (RFC 5764 §4.1.2, RFC 7714 §14.2). */
export enum SrtpProtectionProfile {
  Aes128CmHmacSha1_80 = 0x0001,
  Aes128CmHmacSha1_32 = 0x0002,
  AeadAes128Gcm = 0x0007,
  AeadAes256Gcm = 0x0008,
}

/** @internal ClientCertificateType (RFC 5246 §7.4.4, RFC 8422 §5.5). */
export const CertificateType = { RsaSign: 1, EcdsaSign: 64 } as const;
