// The CLI's parse worker (see parallelParse.ts): takes files from the shared queue, parses each and posts it back.
import { parentPort, workerData } from 'node:worker_threads';

import { type ParseWorkerInput, type ParseWorkerMessage, parseWorkerMessage, readAndParse, takeNext } from './parallelParse';

/**
 * Test hook: `crash:N` makes the worker throw (and die) after taking its file N+1; `unclonable:N` makes the
 * message of its file N+1 carry a function, which structured clone refuses as it would any value it cannot copy.
 */
const FAULT_VARIABLE = 'ISTIO_MESH_TEST_PARSE_WORKER_FAULT';

function injectedFault(): { kind: string; at: number } | undefined {
  const match = /^(crash|unclonable):(\d+)$/.exec(process.env[FAULT_VARIABLE] ?? '');
  return match ? { kind: match[1], at: Number(match[2]) } : undefined;
}

function run(port: NonNullable<typeof parentPort>, { queue, next, maxFileSize }: ParseWorkerInput): void {
  const fault = injectedFault();
  let taken = 0;
  for (let index = takeNext(next); index < queue.length; index = takeNext(next), taken++) {
    const path = queue[index];
    if (fault?.kind === 'crash' && taken === fault.at) throw new Error(`${FAULT_VARIABLE}: the parse worker crashes at ${path}`);
    const message: ParseWorkerMessage & { unclonable?: () => void } = parseWorkerMessage(readAndParse(path, maxFileSize));
    if (fault?.kind === 'unclonable' && taken === fault.at) message.unclonable = () => undefined;
    try {
      port.postMessage(message);
    } catch {
      // A value structured clone cannot copy: the main thread parses this file itself.
      port.postMessage({ kind: 'failed', path } satisfies ParseWorkerMessage);
    }
  }
}

if (parentPort) run(parentPort, workerData as ParseWorkerInput);
