// Programs are chosen by the user, not by the repository: in an untrusted workspace the kubectl/istioctl
// path comes from user settings only, the commands that run them need trust, and nothing runs through a shell.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { programSettingValue } from '../../server/src/apply/programs';
import { REPO_ROOT } from '../support/paths';

const ALL_SCOPES = { globalValue: '/usr/local/bin/kubectl', workspaceValue: './evil-kubectl', workspaceFolderValue: '/tmp/folder-kubectl' };

test('an untrusted workspace cannot choose the program: only the user (global) value counts', () => {
  assert.equal(programSettingValue(ALL_SCOPES, false, 'kubectl'), '/usr/local/bin/kubectl');
  assert.equal(programSettingValue({ workspaceValue: './evil-kubectl', workspaceFolderValue: '/tmp/x' }, false, 'kubectl'), 'kubectl');
});

test('a trusted workspace may choose the program, folder setting first', () => {
  assert.equal(programSettingValue(ALL_SCOPES, true, 'kubectl'), '/tmp/folder-kubectl');
  assert.equal(programSettingValue({ globalValue: '/usr/local/bin/kubectl', workspaceValue: '/opt/kubectl' }, true, 'kubectl'), '/opt/kubectl');
});

test('unset, empty or non-string values fall back to the program name', () => {
  assert.equal(programSettingValue(undefined, true, 'istioctl'), 'istioctl');
  assert.equal(programSettingValue({ globalValue: '   ' }, false, 'istioctl'), 'istioctl');
  assert.equal(programSettingValue({ globalValue: 42, workspaceValue: ['x'] }, true, 'istioctl'), 'istioctl');
});

interface Manifest {
  contributes: {
    configuration: { properties: Record<string, { scope?: string }> };
    commands: { command: string; enablement?: string }[];
  };
}

test('program paths are machine-scoped settings, and the commands that run programs need workspace trust', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
  for (const key of ['istioMesh.kubectlPath', 'istioMesh.istioctlPath'])
    assert.equal(manifest.contributes.configuration.properties[key]?.scope, 'machine', key);
  // These run kubectl or istioctl; the others (runbook, topology refresh) only read the workspace.
  const runningPrograms = ['istioMesh.applyFile', 'istioMesh.applyCluster', 'istioMesh.dryRunFile', 'istioMesh.diffFile', 'istioMesh.chooseContext'];
  for (const id of runningPrograms) {
    const command = manifest.contributes.commands.find((c) => c.command === id);
    assert.ok(command, `${id} is contributed`);
    assert.match(command.enablement ?? '', /isWorkspaceTrusted/, `${id} is enabled only in a trusted workspace`);
  }
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

test('no source starts a shell: child processes come from execFile with an argument list, shell off', () => {
  const offenders: string[] = [];
  let execFileUsers = 0;
  for (const file of [...sourceFiles(join(REPO_ROOT, 'server', 'src')), ...sourceFiles(join(REPO_ROOT, 'client', 'src'))]) {
    const text = readFileSync(file, 'utf8');
    const where = relative(REPO_ROOT, file);
    const imported = /import\s*\{([^}]*)\}\s*from\s*'(?:node:)?child_process'/.exec(text)?.[1] ?? '';
    const names = imported
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    for (const name of names) if (name !== 'execFile') offenders.push(`${where} imports ${name} from child_process`);
    if (names.includes('execFile')) execFileUsers++;
    if (/import\s+\*\s+as\s+\w+\s+from\s*'(?:node:)?child_process'|require\(\s*'(?:node:)?child_process'\s*\)/.test(text))
      offenders.push(`${where} imports child_process whole`);
    if (/\bshell\s*:\s*true\b/.test(text)) offenders.push(`${where} sets shell: true`);
  }
  assert.deepEqual(offenders, []);
  assert.ok(execFileUsers >= 1, 'the apply engine runs programs with execFile');
});
