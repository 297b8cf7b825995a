#!/usr/bin/env node
// The API reports of the published packages (API Extractor), one Markdown file a package
// entry point, checked in at packages/<pkg>/api/<pkg>.api.md so that a change to a public
// surface shows up in review. Reads the declarations that `tsc --build` writes into dist/, so
// build first (`pnpm build`).
//
//   node tools/api/api.mjs check    fails when a report is out of date or API Extractor warns
//   node tools/api/api.mjs update   rewrites the reports (then review and commit them)
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mode = process.argv[2];
if (mode !== 'check' && mode !== 'update') {
  console.error('usage: node tools/api/api.mjs check|update');
  process.exit(2);
}
const localBuild = mode === 'update';

/** Every exported entry point of every package: `.` and subpaths such as `./testing`. */
function entryPoints() {
  const entries = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const folder = join(root, 'packages', dir);
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (typeof target !== 'object' || !target.types) continue;
      const suffix = subpath === '.' ? '' : `-${subpath.slice(2).replaceAll('/', '-')}`;
      entries.push({
        dir,
        folder,
        manifest,
        subpath,
        types: target.types,
        report: `${dir}${suffix}`,
      });
    }
  }
  return entries;
}

const failures = [];
for (const entry of entryPoints()) {
  const configObject = {
    projectFolder: entry.folder,
    mainEntryPointFilePath: join(entry.folder, entry.types),
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          strict: true,
          skipLibCheck: true,
        },
        files: [join(entry.folder, entry.types)],
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: `${entry.report}.api.md`,
      reportFolder: join(entry.folder, 'api'),
      reportTempFolder: join(root, 'tools', 'api', 'dist', 'temp', entry.dir),
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages: {
      // A declaration that does not compile fails the check.
      compilerMessageReporting: { default: { logLevel: 'warning' } },
      // Everything else API Extractor or TSDoc finds goes into the report as a `// Warning:`
      // line beside the declaration, where review sees it (and fixes it).
      extractorMessageReporting: {
        default: { logLevel: 'warning', addToApiReportFile: true },
        // No @public/@beta/@alpha tags: everything exported is public.
        'ae-missing-release-tag': { logLevel: 'none' },
        // Every export has TSDoc (STYLE.md); members such as enum values need not.
        'ae-undocumented': { logLevel: 'none' },
        // A {@link} that leads nowhere is a documentation bug: it fails the check, with its
        // file and line (in the report it could only be listed with them, churning on edits).
        'ae-unresolved-link': { logLevel: 'warning', addToApiReportFile: false },
        // A subpath entry (`./testing`) names the main entry's types through relative imports,
        // which API Extractor cannot tell from unexported ones: checked on the main entry only.
        'ae-forgotten-export':
          entry.subpath === '.'
            ? { logLevel: 'warning', addToApiReportFile: true }
            : { logLevel: 'none' },
      },
      tsdocMessageReporting: { default: { logLevel: 'warning', addToApiReportFile: true } },
    },
  };
  mkdirSync(join(entry.folder, 'api'), { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: join(entry.folder, 'api-extractor.json'),
    packageJsonFullPath: join(entry.folder, 'package.json'),
  });
  const result = Extractor.invoke(config, {
    localBuild,
    showVerboseMessages: false,
    // On a failed check, show what changed in the report.
    printApiReportDiff: !localBuild,
    messageCallback: (message) => {
      // API Extractor analyses with its own bundled TypeScript; saying so for each entry is noise.
      if (message.messageId === 'console-preamble') message.handled = true;
    },
  });
  const label = `${entry.manifest.name}${entry.subpath === '.' ? '' : entry.subpath.slice(1)}`;
  if (!result.succeeded) {
    failures.push(label);
    console.error(
      `✗ ${label}: ${result.errorCount} error(s), ${result.warningCount} warning(s)${result.apiReportChanged ? ', report out of date' : ''}`,
    );
  } else {
    console.log(`✓ ${label}${result.apiReportChanged ? ' (report updated)' : ''}`);
  }
}
if (failures.length > 0) {
  console.error(
    mode === 'check'
      ? `\nAPI reports out of date or with warnings: ${failures.join(', ')}.\nRun \`pnpm api:update\` (it builds first), fix the warnings, review packages/*/api/*.api.md and commit them.`
      : `\nAPI Extractor reported errors for: ${failures.join(', ')}`,
  );
  process.exit(1);
}
