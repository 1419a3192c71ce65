// npm run fuzz [-- --seed N --documents N --edits N --minutes N --max-bytes N]: the protocol fuzzer, long.
// Starts from examples/, test/fixtures/ and the Istio reference data (../shared/istio-reference or
// ISTIO_REFERENCE_DIR); prints what it ran, and for a failure the seed and the smallest reproduction.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { fuzz, fuzzCorpus } = require('../out/test/support/fuzz.js');
const { EXAMPLES, FIXTURES, referenceDir } = require('../out/test/support/paths.js');

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(Date.now() % 1_000_000_007) },
    documents: { type: 'string', default: '200' },
    edits: { type: 'string', default: '40' },
    minutes: { type: 'string', default: '5' },
    'max-bytes': { type: 'string', default: String(256 * 1024) },
  },
});

const reference = referenceDir();
if (!reference) console.log('Istio reference data not found (set ISTIO_REFERENCE_DIR): fuzzing examples and fixtures only');
const folders = [EXAMPLES, FIXTURES, ...(reference ? [reference] : [])].filter((folder) => existsSync(folder));
const corpus = fuzzCorpus(folders, Number(values['max-bytes']));
console.log(`fuzz: seed ${values.seed}, ${corpus.length} starting files`);
const report = await fuzz({
  seed: Number(values.seed),
  corpus,
  roots: [EXAMPLES].filter((folder) => existsSync(folder)),
  documents: Number(values.documents),
  editsPerDocument: Number(values.edits),
  timeBudgetMs: Number(values.minutes) * 60_000,
  log: (line) => console.log(line),
});
console.log(
  `fuzz: seed ${report.seed}: ${report.documents} documents, ${report.edits} edits, ${report.requests} requests in ${(report.elapsedMs / 1000).toFixed(1)} s, ${report.failures.length} failure(s), ${report.unconfirmedSlowAnswers} unconfirmed slow answer(s)`,
);
for (const failure of report.failures) console.log(`  ${failure.kind} in ${failure.file}: ${failure.detail} (replay: npm run fuzz -- --seed ${failure.seed})`);
process.exitCode = report.failures.length > 0 ? 1 : 0;
