import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import picomatch from 'picomatch';

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;
const ALWAYS_SKIPPED_FOLDERS = new Set(['node_modules', '.git']);
const YAML_FILE = /\.ya?ml$/i;

export interface ScanOptions {
  /** Glob patterns relative to the root (`istioMesh.exclude`, `files.exclude`). */
  exclude?: readonly string[];
  maxFileSize?: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export function isYamlFile(path: string): boolean {
  return YAML_FILE.test(path);
}

export function makeExcluder(root: string, patterns: readonly string[] = []): (path: string) => boolean {
  if (patterns.length === 0) return () => false;
  const match = picomatch([...patterns], { dot: true });
  return (path: string) => {
    const rel = relative(root, path).split(sep).join('/');
    if (rel.startsWith('..')) return false;
    // A pattern naming a folder (`**/generated`) excludes what is in it, as files.exclude does in VS Code: the
    // scan never enters such a folder, and a file in it that is opened or created must stay out as well.
    const parts = rel.split('/');
    return parts.some((_, i) => match(parts.slice(0, i + 1).join('/')));
  };
}

const BINARY_REASON = 'binary content (a NUL byte)';
/** Why a file (on disk or open in the editor) under an excluded glob is not analysed. */
export const EXCLUDED_REASON = 'excluded by istioMesh.exclude or files.exclude';

function sizeReason(size: number, maxFileSize: number): string | undefined {
  return size > maxFileSize ? `larger than istioMesh.maxFileSize (${size} > ${maxFileSize} bytes)` : undefined;
}

/** Why an editor's text is not analysed (the same limits as for files on disk), or undefined when it is. */
export function reasonToSkipText(text: string, maxFileSize = DEFAULT_MAX_FILE_SIZE): string | undefined {
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: only texts between the two bounds are encoded to be measured, so a
  // keystroke in a huge document does not re-encode all of it.
  if (text.length > maxFileSize) return `larger than istioMesh.maxFileSize (at least ${text.length} > ${maxFileSize} bytes)`;
  const sized = text.length * 3 <= maxFileSize ? undefined : sizeReason(Buffer.byteLength(text, 'utf8'), maxFileSize);
  return sized ?? (text.includes('\0') ? BINARY_REASON : undefined);
}

/** Binary files are told by a NUL byte in their first this many bytes. */
const BINARY_PROBE_LENGTH = 8192;

/** Decodes UTF-8, refusing invalid bytes (a file that is not text); one instance serves every file. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a file as UTF-8 text, or says why it is skipped. The file is read once: its size (from `stat`) decides
 * whether it is read at all, and its first bytes, once read, whether it is binary.
 */
export function readYamlText(path: string, maxFileSize = DEFAULT_MAX_FILE_SIZE): { text: string } | { skipped: string } {
  try {
    const sized = sizeReason(statSync(path).size, maxFileSize);
    if (sized) return { skipped: sized };
    const buffer = readFileSync(path);
    if (buffer.subarray(0, BINARY_PROBE_LENGTH).includes(0)) return { skipped: BINARY_REASON };
    const text = STRICT_UTF8.decode(buffer);
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (error) {
    if (error instanceof TypeError) return { skipped: 'not UTF-8 text' };
    return { skipped: `unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}

/** Every YAML file under `root`, except skipped folders, excluded globs, and files too large or not text. */
export function findYamlFiles(root: string, options: ScanOptions = {}): { files: string[]; skipped: SkippedFile[] } {
  const excluded = makeExcluder(root, options.exclude);
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const walk = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: folder, reason: `unreadable folder: ${(error as NodeJS.ErrnoException).code}` });
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        // A skipped folder is reported once (not each file in it), so the log says why a file is missing.
        if (ALWAYS_SKIPPED_FOLDERS.has(entry.name)) skipped.push({ path, reason: 'node_modules and .git folders are never read' });
        else if (excluded(path)) skipped.push({ path, reason: 'folder excluded by istioMesh.exclude or files.exclude' });
        else walk(path);
      } else if (entry.isFile() && isYamlFile(entry.name)) {
        if (excluded(path)) skipped.push({ path, reason: EXCLUDED_REASON });
        else files.push(path);
      }
    }
  };
  walk(root);
  return { files, skipped };
}
