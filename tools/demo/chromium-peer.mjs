// The other peer of `run.mjs --chromium`: an RTCPeerConnection inside headless Chromium (apt
// `chromium`, driven by playwright-core). It answers our offer, reports its own state changes
// (the browser gives no causes), echoes text and counts binary bytes, like peer.mjs does.
// The switches are those of tools/interop/webrtc/chromium-options.mjs (tools/interop/README.md): on a
// loopback-only host Chromium signals no host candidate but connects from 127.0.0.1, and our
// side learns it as a peer-reflexive candidate.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, chromiumLaunchOptions } from '../interop/webrtc/chromium-options.mjs';

export { CHROMIUM };

/** Only UDP candidates on 127.0.0.1 (Chromium also offers other interfaces and TCP). */
const loopbackOnly = (candidate) =>
  / 127\.0\.0\.1 \d+ typ /.test(candidate) && / udp /i.test(candidate);

/**
 * Starts Chromium with one page holding an answering RTCPeerConnection. `onMessage` gets what
 * the page signals: `{ type: 'answer' | 'candidate' | 'log', ... }`.
 */
export async function launchChromiumPeer({ onMessage }) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install the chromium package (apt-get install chromium)`,
    );
  }
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'x-demo-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(dir, chromiumLaunchOptions(dir));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const version = context.browser()?.version() ?? '';
  await page.exposeFunction('xSignal', (message) => {
    if (message.type === 'candidate' && !loopbackOnly(message.candidate.candidate)) return;
    onMessage(message);
  });
  await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const send = (message) => globalThis.xSignal(message);
    const log = (line) => send({ type: 'log', line });
    pc.onsignalingstatechange = () => log(`SIG  ${pc.signalingState}`);
    pc.onicegatheringstatechange = () => log(`GATH ${pc.iceGatheringState}`);
    pc.oniceconnectionstatechange = () => log(`ICE  ${pc.iceConnectionState}`);
    pc.onconnectionstatechange = () => log(`PC   ${pc.connectionState}`);
    pc.onicecandidate = (e) => {
      if (e.candidate?.candidate) send({ type: 'candidate', candidate: e.candidate.toJSON() });
    };
    pc.ondatachannel = (e) => {
      const channel = e.channel;
      channel.binaryType = 'arraybuffer';
      log(
        `DC   "${channel.label}" (${channel.protocol}) opened by the peer on stream ${channel.id}`,
      );
      let bytes = 0;
      channel.onmessage = (m) => {
        if (typeof m.data !== 'string') bytes += m.data.byteLength;
        else if (m.data === 'bulk-done?') channel.send(`bulk-done:${bytes}`);
        else channel.send(`echo: ${m.data}`);
      };
      channel.onclose = () => log(`DC   "${channel.label}" closed`);
    };
    const watchTransports = () => {
      const dtls = pc.sctp?.transport;
      if (!dtls) return;
      dtls.onstatechange = () => log(`DTLS ${dtls.state}`);
      pc.sctp.onstatechange = () => log(`SCTP ${pc.sctp.state}`);
      const ice = dtls.iceTransport;
      if (ice && 'getSelectedCandidatePair' in ice) {
        ice.onselectedcandidatepairchange = () => {
          const p = ice.getSelectedCandidatePair();
          if (p)
            log(
              `PAIR ${p.local.address}:${p.local.port} (${p.local.type}) <-> ${p.remote.address}:${p.remote.port} (${p.remote.type})`,
            );
        };
      }
    };
    const early = [];
    globalThis.xOnSignal = async (message) => {
      if (message.type === 'offer') {
        await pc.setRemoteDescription(message.description);
        watchTransports();
        for (const c of early.splice(0)) await pc.addIceCandidate(c);
        await pc.setLocalDescription();
        send({ type: 'answer', description: pc.localDescription.toJSON() });
      } else if (message.type === 'candidate') {
        if (pc.remoteDescription) await pc.addIceCandidate(message.candidate);
        else early.push(message.candidate);
      }
    };
  });
  // Signals reach the page one at a time, in order.
  let chain = Promise.resolve();
  let pageOpen = true;
  return {
    name: 'chromium',
    version,
    send(message) {
      chain = chain
        .then(() => pageOpen && page.evaluate((m) => globalThis.xOnSignal(m), message))
        .catch((error) => onMessage({ type: 'log', line: `signaling failed: ${error.message}` }));
    },
    /** Closes the page: the browser tears its RTCPeerConnection down. */
    async stop() {
      pageOpen = false;
      await page.close();
      return 'CLOSE the Chromium page (the browser drops its RTCPeerConnection)';
    },
    async dispose() {
      pageOpen = false;
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
