/** Where the apt package installs Chromium. */
export declare const CHROMIUM: string;

/** Options for `chromium.launchPersistentContext(userDataDir, options)`. */
export declare function chromiumLaunchOptions(userDataDir: string): {
  executablePath: string;
  headless: boolean;
  ignoreDefaultArgs: boolean;
  args: string[];
};
