/** One package in the rehearsal of a release. */
export interface ReleasePackage {
  readonly dir: string;
  readonly name: string;
  readonly private: boolean;
  /** Its version in the tree. */
  readonly before: string;
  /** Its version after `changeset version`. */
  readonly after: string;
  /** Its CHANGELOG.md after `changeset version` ('' when there is none). */
  readonly changelog: string;
  /** The version `pnpm publish --dry-run -r` would publish, if it would. */
  readonly published: string | undefined;
}

export interface ReleaseDryRun {
  readonly packages: readonly ReleasePackage[];
  /** What pnpm publish printed. */
  readonly output: string;
  /** The temporary workspace, when kept. */
  readonly temp: string | undefined;
}

/**
 * Copies the packages and .changeset/ into a temporary workspace, runs `changeset version`
 * then `pnpm publish --dry-run -r` there; the tree is left as it was.
 */
export function releaseDryRun(options?: {
  build?: boolean;
  keep?: boolean;
  log?: (line: string) => void;
}): Promise<ReleaseDryRun>;
