/**
 * A small mDNS (RFC 6762) querier and responder for ICE host candidates hidden behind
 * `<uuid>.local` names (draft-ietf-mmusic-mdns-ice-candidates): we resolve the names browsers
 * send, and can announce our own host addresses the same way. IPv4 multicast 224.0.0.251:5353
 * over the injected {@link Net}; A and AAAA records only.
 */
import { randomUUID } from 'node:crypto';
import { debuglog } from 'node:util';
import type { Clock, Net, SocketAddress, Timer, UdpSocket } from '@x/transport';

const log = debuglog('x:ice');
const GROUP = '224.0.0.251';
const PORT = 5353;
const TYPE_A = 1;
const TYPE_AAAA = 28;

/** Encodes a DNS name as labels. */
function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.');
  const bufs: Buffer[] = [];
  for (const p of parts) {
    const b = Buffer.from(p, 'utf8');
    bufs.push(Buffer.from([b.length]), b);
  }
  bufs.push(Buffer.from([0]));
  return Buffer.concat(bufs);
}

/** Reads a (possibly compressed, RFC 1035 §4.1.4) name; undefined when malformed. */
function readName(msg: Buffer, offset: number): { name: string; next: number } | undefined {
  const labels: string[] = [];
  let o = offset;
  let next = -1;
  for (let hops = 0; hops < 32; hops++) {
    if (o >= msg.length) return undefined;
    const len = msg[o]!;
    if (len === 0) {
      return { name: labels.join('.'), next: next < 0 ? o + 1 : next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (o + 1 >= msg.length) return undefined;
      if (next < 0) next = o + 2;
      o = ((len & 0x3f) << 8) | msg[o + 1]!;
      continue;
    }
    if (len > 63 || o + 1 + len > msg.length) return undefined;
    labels.push(msg.toString('utf8', o + 1, o + 1 + len));
    o += 1 + len;
  }
  return undefined;
}

/** A one-question query for `name` (type A or AAAA), RFC 6762 §5. */
export function encodeQuery(name: string, type = TYPE_A): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2); // IN
  return Buffer.concat([header, encodeName(name), tail]);
}

/** An authoritative answer with one A or AAAA record, cache-flush set (RFC 6762 §10.2). */
export function encodeAnswer(name: string, ip: string, ttl = 120): Buffer {
  const v6 = ip.includes(':');
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0x8400, 2); // QR, AA
  header.writeUInt16BE(1, 6); // ANCOUNT
  const rr = Buffer.alloc(10);
  rr.writeUInt16BE(v6 ? TYPE_AAAA : TYPE_A, 0);
  rr.writeUInt16BE(0x8001, 2); // cache-flush | IN
  rr.writeUInt32BE(ttl, 4);
  let data: Buffer;
  if (v6) {
    data = Buffer.alloc(16);
    const groups = expandV6(ip);
    for (let i = 0; i < 8; i++) data.writeUInt16BE(groups[i] ?? 0, 2 * i);
  } else {
    data = Buffer.from(ip.split('.').map(Number));
  }
  rr.writeUInt16BE(data.length, 8);
  return Buffer.concat([header, encodeName(name), rr, data]);
}

function expandV6(ip: string): number[] {
  const [h, t] = ip.split('::') as [string, string | undefined];
  const head = h ? h.split(':').map((x) => Number.parseInt(x, 16)) : [];
  const tail = t ? t.split(':').map((x) => Number.parseInt(x, 16)) : [];
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** A parsed mDNS message: questions and A/AAAA answers. Undefined when malformed. */
export function parseMdns(
  msg: Buffer,
): { response: boolean; questions: string[]; answers: { name: string; ip: string }[] } | undefined {
  if (msg.length < 12) return undefined;
  const response = (msg[2]! & 0x80) !== 0;
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  let o = 12;
  const questions: string[] = [];
  for (let i = 0; i < qd; i++) {
    const n = readName(msg, o);
    if (n === undefined || n.next + 4 > msg.length) return undefined;
    questions.push(n.name.toLowerCase());
    o = n.next + 4;
  }
  const answers: { name: string; ip: string }[] = [];
  for (let i = 0; i < an; i++) {
    const n = readName(msg, o);
    if (n === undefined || n.next + 10 > msg.length) return undefined;
    const type = msg.readUInt16BE(n.next);
    const len = msg.readUInt16BE(n.next + 8);
    const d = n.next + 10;
    if (d + len > msg.length) return undefined;
    if (type === TYPE_A && len === 4) {
      answers.push({
        name: n.name.toLowerCase(),
        ip: `${msg[d]}.${msg[d + 1]}.${msg[d + 2]}.${msg[d + 3]}`,
      });
    } else if (type === TYPE_AAAA && len === 16) {
      const g: string[] = [];
      for (let k = 0; k < 8; k++) g.push(msg.readUInt16BE(d + 2 * k).toString(16));
      answers.push({ name: n.name.toLowerCase(), ip: g.join(':') });
    }
    o = d + len;
  }
  return { response, questions, answers };
}

interface Pending {
  resolve: (ip: string | undefined) => void;
  timer: Timer | undefined;
  tries: number;
}

/** The mDNS side of one agent. */
export class MdnsService {
  private socket: UdpSocket | undefined;
  private opening: Promise<UdpSocket | undefined> | undefined;
  private readonly names = new Map<string, string>();
  private readonly pending = new Map<string, Pending[]>();
  private closed = false;
  /** Malformed mDNS packets dropped. */
  dropped = 0;

  constructor(
    private readonly net: Net,
    private readonly clock: Clock,
    /** True when our host addresses are announced under mDNS names. */
    readonly hiding: boolean,
  ) {}

  /** A fresh `<uuid>.local` name for `ip`, answered once {@link start} ran. */
  announce(ip: string): string {
    const name = `${randomUUID()}.local`;
    this.names.set(name, ip);
    return name;
  }

  /** Opens the multicast socket (for the responder). */
  async start(): Promise<void> {
    await this.open();
  }

  private open(): Promise<UdpSocket | undefined> {
    this.opening ??= this.net
      .bindUdp({
        address: '0.0.0.0',
        port: PORT,
        reuseAddress: true,
        onMessage: (data, from) => this.onMessage(data, from),
      })
      .then(
        (s) => {
          if (this.closed) {
            void s.close();
            return undefined;
          }
          try {
            s.addMembership(GROUP);
          } catch (error) {
            log('mDNS membership failed: %o', error);
          }
          this.socket = s;
          return s;
        },
        (error: unknown) => {
          log('mDNS socket failed: %o', error);
          return undefined;
        },
      );
    return this.opening;
  }

  /** Resolves a `.local` name (3 queries, 1 s apart); undefined when nobody answers. */
  async resolve(name: string): Promise<string | undefined> {
    const key = name.toLowerCase();
    const own = this.names.get(key);
    if (own !== undefined) return own;
    const socket = await this.open();
    if (socket === undefined || this.closed) return undefined;
    return new Promise((resolve) => {
      const p: Pending = { resolve, timer: undefined, tries: 0 };
      const list = this.pending.get(key) ?? [];
      list.push(p);
      this.pending.set(key, list);
      const ask = (): void => {
        p.timer = undefined;
        if (p.tries++ >= 3 || this.closed) {
          this.finish(key, p, undefined);
          return;
        }
        try {
          socket.send(encodeQuery(key), PORT, GROUP);
        } catch (error) {
          log('mDNS query failed: %o', error);
        }
        p.timer = this.clock.setTimeout(ask, 1000);
      };
      ask();
    });
  }

  private finish(key: string, p: Pending, ip: string | undefined): void {
    p.timer?.cancel();
    const list = this.pending.get(key);
    if (list !== undefined) {
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.pending.delete(key);
    }
    p.resolve(ip);
  }

  private onMessage(data: Buffer, _from: SocketAddress): void {
    const m = parseMdns(data);
    if (m === undefined) {
      this.dropped++;
      return;
    }
    if (m.response) {
      for (const a of m.answers) {
        for (const p of [...(this.pending.get(a.name) ?? [])]) this.finish(a.name, p, a.ip);
      }
      return;
    }
    for (const q of m.questions) {
      const ip = this.names.get(q);
      if (ip !== undefined && this.socket !== undefined) {
        try {
          this.socket.send(encodeAnswer(q, ip), PORT, GROUP);
        } catch (error) {
          log('mDNS answer failed: %o', error);
        }
      }
    }
  }

  /** Closes the socket; pending resolutions end with undefined. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [key, list] of [...this.pending])
      for (const p of [...list]) this.finish(key, p, undefined);
    const s = this.socket ?? (await this.opening);
    await s?.close();
  }
}
