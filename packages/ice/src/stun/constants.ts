/**
 * STUN numbers: RFC 8489 §5 (header), §18 (registries), RFC 8445 §16 (ICE attributes),
 * RFC 8656 §18 (TURN methods and attributes).
 */

/** The magic cookie, RFC 8489 §5. */
export const MAGIC_COOKIE = 0x2112a442;
/** Header length in bytes, RFC 8489 §5. */
export const HEADER_LENGTH = 20;

/** STUN message classes (the C1/C0 bits), RFC 8489 §5. */
export enum StunClass {
  Request = 0,
  Indication = 1,
  SuccessResponse = 2,
  ErrorResponse = 3,
}

/** STUN methods: Binding (RFC 8489) and the TURN ones (RFC 8656 §18). */
export enum StunMethod {
  Binding = 0x001,
  Allocate = 0x003,
  Refresh = 0x004,
  Send = 0x006,
  Data = 0x007,
  CreatePermission = 0x008,
  ChannelBind = 0x009,
}

/** Attribute types, RFC 8489 §18.3, RFC 8445 §16.1, RFC 8656 §18. */
export enum StunAttr {
  MappedAddress = 0x0001,
  Username = 0x0006,
  MessageIntegrity = 0x0008,
  ErrorCode = 0x0009,
  UnknownAttributes = 0x000a,
  ChannelNumber = 0x000c,
  Lifetime = 0x000d,
  XorPeerAddress = 0x0012,
  Data = 0x0013,
  Realm = 0x0014,
  Nonce = 0x0015,
  XorRelayedAddress = 0x0016,
  RequestedAddressFamily = 0x0017,
  EvenPort = 0x0018,
  RequestedTransport = 0x0019,
  DontFragment = 0x001a,
  MessageIntegritySha256 = 0x001c,
  PasswordAlgorithm = 0x001d,
  Userhash = 0x001e,
  XorMappedAddress = 0x0020,
  ReservationToken = 0x0022,
  Priority = 0x0024,
  UseCandidate = 0x0025,
  PasswordAlgorithms = 0x8002,
  AlternateDomain = 0x8003,
  Software = 0x8022,
  AlternateServer = 0x8023,
  Fingerprint = 0x8028,
  IceControlled = 0x8029,
  IceControlling = 0x802a,
  AdditionalAddressFamily = 0x8000,
  AddressErrorCode = 0x8001,
  Icmp = 0x8004,
}

/** Attribute types this package understands: an unknown one below 0x8000 is answered with 420. */
export const KNOWN_ATTRIBUTES: ReadonlySet<number> = new Set(
  Object.values(StunAttr).filter((v): v is number => typeof v === 'number'),
);

/** XOR constant of FINGERPRINT, RFC 8489 §14.7 ("STUN" in ASCII). */
export const FINGERPRINT_XOR = 0x5354554e;

/** Message type from method and class, RFC 8489 §5 figure 3. */
export function messageType(method: number, cls: StunClass): number {
  return (
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((cls & 1) << 4) |
    ((cls & 2) << 7)
  );
}
