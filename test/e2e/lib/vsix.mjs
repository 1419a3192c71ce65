// What the packaged .vsix holds, read from the zip's central directory (no unzip program needed).
import { readFileSync } from 'node:fs';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;

/** Names of the files in a zip archive. */
export function zipEntries(path) {
  const zip = readFileSync(path);
  // The end record is in the last 22 bytes plus up to 64 KiB of comment.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${path} is not a zip archive`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY) throw new Error(`${path}: corrupt central directory`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** Files the extension cannot work without (paths inside the vsix's extension/ folder). */
export const REQUIRED_IN_VSIX = [
  'package.json',
  'dist/client.js',
  'dist/server.js',
  'dist/cli.js',
  'dist/parseWorker.js',
  'dist/topologyPicture.js',
  'snippets/istio-mesh.code-snippets',
  'syntaxes/istio-mesh-placeholders.tmLanguage.json',
];

/** What must never be packaged: sources, tests, dependencies, build output, maps, the E2E cache. */
export const FORBIDDEN_IN_VSIX = [
  { pattern: /\.map$/, what: 'source maps' },
  { pattern: /\.ts$/, what: 'TypeScript sources' },
  { pattern: /^(client|server|test|scripts|bench|examples|out|node_modules|\.e2e|test-results)\//, what: 'sources, tests, build output or dependencies' },
  { pattern: /\.vsix$/, what: 'an older package' },
];

/**
 * Problems with a packaged .vsix's contents, as messages (empty when it is right). `ruleDocs` are the repository's
 * docs/rules/*.md paths: diagnostics link to them, so each must be packaged.
 */
export function checkVsixContents(entries, ruleDocs = []) {
  const files = entries.filter((name) => name.startsWith('extension/')).map((name) => name.slice('extension/'.length));
  const problems = [];
  for (const required of [...REQUIRED_IN_VSIX, ...ruleDocs]) if (!files.includes(required)) problems.push(`missing ${required}`);
  if (!files.some((name) => /^readme\.md$/i.test(name))) problems.push('missing README.md');
  for (const { pattern, what } of FORBIDDEN_IN_VSIX) {
    const offending = files.filter((name) => pattern.test(name));
    if (offending.length) problems.push(`contains ${what}: ${offending.slice(0, 5).join(', ')}${offending.length > 5 ? ', …' : ''}`);
  }
  return problems;
}
