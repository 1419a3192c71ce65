// Starting and stopping the processes of one E2E run. Every process the run starts is stopped by pid: the process
// groups it spawned, plus anything that escaped them (chromium's crashpad handler re-parents itself to pid 1) found
// by the run's own temp folder in its command line.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawns `command` as the leader of a new process group, its output appended to `logLines`. */
export function spawnGroup(command, args, { env, cwd, logLines }) {
  const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk) => logLines.push(...String(chunk).split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return child;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Pids of live processes whose command line mentions `marker` (a folder unique to this run). */
export function pidsMentioning(marker) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the process groups led by `groupLeaders`, then any straggler whose command line mentions `marker`:
 * SIGTERM first, SIGKILL for what is still there after a grace period.
 */
export async function stopAll(groupLeaders, marker) {
  const leaders = groupLeaders.filter((pid) => typeof pid === 'number');
  for (const pid of leaders) signalGroup(pid, 'SIGTERM');
  for (const pid of pidsMentioning(marker)) signalProcess(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (leaders.some(isAlive) || pidsMentioning(marker).length)) await sleep(200);
  for (const pid of leaders) signalGroup(pid, 'SIGKILL');
  for (const pid of pidsMentioning(marker)) signalProcess(pid, 'SIGKILL');
}

function signalProcess(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}
