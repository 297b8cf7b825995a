/**
 * How the tests, the demo and the examples launch headless Chromium (apt `chromium`) with
 * playwright-core on a loopback-only host: one place for the switches found to work there
 * (tools/interop/README.md; plain ESM with declarations in chromium-options.d.mts, so that
 * .mjs tools and .ts tests share it). Playwright's default arguments are ignored because Chromium
 * honours only the last `--disable-features`.
 */

/** Where the apt package installs Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Options for `chromium.launchPersistentContext(userDataDir, options)`.
 * @param {string} userDataDir
 */
export function chromiumLaunchOptions(userDataDir) {
  return {
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--remote-debugging-pipe',
      `--user-data-dir=${userDataDir}`,
      // Loopback candidates and plain addresses instead of mDNS names.
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      'about:blank',
    ],
  };
}
