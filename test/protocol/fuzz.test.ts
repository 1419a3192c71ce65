// A short, seeded run of the protocol fuzzer (npm run fuzz runs it longer): random edits typed into the
// examples, the fixtures and the Istio reference data must never crash the server, go unanswered, put a
// diagnostic outside the document, make a rule throw, or leave different diagnostics once undone.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

import { applyEdit, fuzz, fuzzCorpus, inverseEdit, minimize, randomEdit, Rng } from '../support/fuzz';
import { EXAMPLES, FIXTURES, referenceDir } from '../support/paths';

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);

test("every random edit can be undone exactly (the fuzzer's own bookkeeping)", () => {
  const rng = new Rng(7);
  const original = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n  labels: {topology.istio.io/network: network1}\n';
  let text = original;
  const texts = [text];
  const edits = [];
  for (let i = 0; i < 500; i++) {
    const { edit } = randomEdit(text, rng);
    edits.push(edit);
    text = applyEdit(text, edit);
    texts.push(text);
  }
  for (let i = edits.length - 1; i >= 0; i--) text = applyEdit(text, inverseEdit(texts[i], edits[i]));
  assert.equal(text, original);
});

test('minimize finds the smallest failing sublist', async () => {
  const items = Array.from({ length: 40 }, (_, i) => i);
  const smallest = await minimize(items, async (candidate) => candidate.includes(7) && candidate.includes(31));
  assert.deepEqual(smallest, [7, 31]);
});

test(`seeded protocol fuzz (seed ${SEED})`, { timeout: 180_000 }, async (t) => {
  const reference = referenceDir();
  const folders = [EXAMPLES, FIXTURES, ...(reference ? [reference] : [])].filter((folder) => existsSync(folder));
  const corpus = fuzzCorpus(folders, 64 * 1024);
  assert.ok(corpus.length > 0, 'no YAML to start from');
  const report = await fuzz({
    seed: SEED,
    corpus,
    // The examples are one workspace; fixtures and reference files are opened as documents beside it.
    roots: [EXAMPLES].filter((folder) => existsSync(folder)),
    documents: 12,
    editsPerDocument: 12,
    timeBudgetMs: 20_000,
    log: (line) => t.diagnostic(line),
  });
  t.diagnostic(
    `fuzz seed ${report.seed}: ${report.documents} documents, ${report.edits} edits, ${report.requests} requests in ${report.elapsedMs} ms, ${report.unconfirmedSlowAnswers} unconfirmed slow answer(s)` +
      (reference ? '' : ' (reference data absent: examples and fixtures only)'),
  );
  assert.ok(report.edits > 0);
  assert.deepEqual(
    report.failures.map((f) => `${f.kind} in ${f.file}: ${f.detail}\nreproduction: ${f.reproduction}`),
    [],
  );
});
