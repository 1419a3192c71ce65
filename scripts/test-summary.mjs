// A node:test reporter that writes one paragraph per suite when the run ends: how many tests passed, failed and were
// skipped, why they were skipped (the reason each skip gives, counted), and which failed. A test's suite is the
// folder under out/test/ its file is in (unit, protocol). scripts/run-tests.mjs prints it after the run's own report.

const SUITE_FOLDER = /[\\/]out[\\/]test[\\/]([^\\/]+)[\\/]/;
/** Failed tests named in a summary; the run's report above it has them all. */
const FAILURES_NAMED = 10;

function suiteOf(file) {
  return (file && SUITE_FOLDER.exec(file)?.[1]) ?? 'other';
}

/** `Istio reference data not found (set ISTIO_REFERENCE_DIR): skipped` → without the trailing ": skipped". */
function skipReason(skip) {
  if (typeof skip !== 'string' || !skip.trim()) return 'no reason given';
  return skip.trim().replace(/[:,;]?\s*skipped\.?$/i, '');
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function summaryParagraph(name, suite) {
  const parts = [`${suite.passed} passed`, `${suite.failed} failed`, `${suite.skipped} skipped`];
  if (suite.todo) parts.push(`${suite.todo} todo`);
  let text = `${name}: ${plural(suite.passed + suite.failed + suite.skipped + suite.todo, 'test')}, ${parts.join(', ')}.`;
  if (suite.skipped) {
    const reasons = [...suite.skipReasons].sort((a, b) => b[1] - a[1]).map(([reason, count]) => `${count} because ${reason}`);
    text += ` Skipped: ${reasons.join('; ')}.`;
  }
  if (suite.failed) {
    const named = suite.failures.slice(0, FAILURES_NAMED).map((f) => `"${f.name}" (${f.file})`);
    text += ` Failed: ${named.join(', ')}${suite.failures.length > FAILURES_NAMED ? ` and ${suite.failures.length - FAILURES_NAMED} more` : ''}.`;
  }
  return text;
}

export default async function* testSummary(source) {
  const suites = new Map();
  const suite = (file) => {
    const name = suiteOf(file);
    let entry = suites.get(name);
    if (!entry) {
      entry = { passed: 0, failed: 0, skipped: 0, todo: 0, skipReasons: new Map(), failures: [] };
      suites.set(name, entry);
    }
    return entry;
  };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    const isGroup = data.details?.type === 'suite';
    const entry = suite(data.file);
    if (data.skip !== undefined) {
      // A skipped describe runs none of its tests: it counts once, with its reason.
      entry.skipped++;
      const reason = skipReason(data.skip);
      entry.skipReasons.set(reason, (entry.skipReasons.get(reason) ?? 0) + 1);
    } else if (data.todo !== undefined) {
      entry.todo++;
    } else if (event.type === 'test:pass') {
      if (!isGroup) entry.passed++;
    } else if (!isGroup || data.details?.error?.failureType !== 'subtestsFailed') {
      // A group that failed because of its tests is counted through them; one whose own code or hook failed counts.
      entry.failed++;
      entry.failures.push({ name: data.name, file: data.file ? data.file.replace(/^.*[\\/]out[\\/]/, 'out/') : 'unknown file' });
    }
  }
  // In the order the suites were asked for (scripts/run-tests.mjs says which), any others after them.
  const order = (process.env.ISTIO_MESH_TEST_SUITES ?? '').split(',').filter(Boolean);
  const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
  for (const [name, entry] of [...suites].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))) yield `${summaryParagraph(name, entry)}\n`;
}
