// Reading and driving the VS Code workbench in the browser as a user does: keyboard, mouse, and what is on screen
// (the Problems panel's rows, the editor's view lines, squiggles, hovers, suggestions). Lines and columns are 1-based.

const ACTIVE_EDITOR = '.part.editor .editor-group-container.active .editor-container .monaco-editor';
const QUICK_INPUT = '.quick-input-widget';
const SUGGEST_ROWS = '.editor-widget.suggest-widget.visible .monaco-list-row';
/** The quick fix menu's entries (Ctrl+. or the light bulb); group headers are rows too, without the `action` class. */
const ACTION_ROWS = '.action-widget .monaco-list-row.action';
const DIALOG = '.monaco-dialog-box';
const TOAST = '.notifications-toasts .notification-toast';

export class Workbench {
  constructor(page, workspaceDir) {
    this.page = page;
    this.workspaceDir = workspaceDir;
  }

  async waitReady(timeoutMs = 60_000) {
    await this.page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
    await this.page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: timeoutMs });
  }

  async waitFor(description, probe, { timeoutMs = 20_000, intervalMs = 250 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      last = await probe();
      if (last) return last;
      await this.page.waitForTimeout(intervalMs);
    }
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${description}`);
  }

  async pressEscape(times = 1) {
    for (let i = 0; i < times; i++) await this.page.keyboard.press('Escape');
  }

  /** Opens the command palette (F1) with `text` typed, and returns the labels of the listed commands. */
  async paletteEntries(text) {
    await this.page.keyboard.press('F1');
    await this.page.waitForSelector(`${QUICK_INPUT} input`, { state: 'visible' });
    await this.page.keyboard.type(text);
    await this.page.waitForTimeout(600);
    return this.page.$$eval(`${QUICK_INPUT} .monaco-list-row`, (rows) => rows.map((row) => row.getAttribute('aria-label') ?? row.textContent ?? ''));
  }

  /** Runs a command by its palette label. */
  async runCommand(label) {
    const entries = await this.paletteEntries(label);
    if (!entries.some((entry) => entry.startsWith(label)))
      throw new Error(`command "${label}" is not in the palette (saw: ${entries.slice(0, 5).join(' | ')})`);
    await this.page.keyboard.press('Enter');
    await this.page.waitForSelector(QUICK_INPUT, { state: 'hidden' });
  }

  /**
   * Opens a workspace file through Quick Open (Ctrl+P), choosing the row of that very folder (recently opened files
   * with the same name rank first), and waits until the breadcrumbs show its path.
   */
  async openFile(relativePath) {
    const segments = relativePath.split('/');
    const name = segments.at(-1);
    const folder = segments.slice(0, -1).join('/');
    await this.page.keyboard.press('Control+P');
    await this.page.waitForSelector(`${QUICK_INPUT} input`, { state: 'visible' });
    await this.page.keyboard.type(relativePath);
    const findRow = () =>
      this.page.$$eval(
        `${QUICK_INPUT} .monaco-list-row`,
        (rows, { name, folder }) => {
          const row = rows.find((r) => {
            const label = r.querySelector('.label-name')?.textContent ?? '';
            const description = r.querySelector('.label-description')?.textContent ?? '';
            return label === name && (folder === '' ? !description.includes('/') : description === folder || description.endsWith(`/${folder}`));
          });
          return row ? row.getAttribute('data-index') : undefined;
        },
        { name, folder },
      );
    // The list re-renders while file search results arrive: click a row only once it stays put, and retry if it moved.
    await this.waitFor(`Quick Open to list ${relativePath}`, async () => {
      const index = await findRow();
      if (index === undefined) return false;
      await this.page.waitForTimeout(300);
      if ((await findRow()) !== index) return false;
      return this.page
        .click(`${QUICK_INPUT} .monaco-list-row[data-index="${index}"]`, { timeout: 2000 })
        .then(() => true)
        .catch(() => false);
    });
    await this.waitFor(`${relativePath} to be the active editor`, () =>
      this.page.evaluate(
        ({ segments }) => {
          const crumbs = [...document.querySelectorAll('.part.editor .editor-group-container.active .breadcrumbs-control .monaco-breadcrumb-item')].map(
            (item) => item.textContent.trim(),
          );
          return segments.every((segment, i) => crumbs[i] === segment);
        },
        { segments },
      ),
    );
    await this.page.waitForSelector(`${ACTIVE_EDITOR} .view-lines`, { state: 'visible' });
  }

  async openEditorCount() {
    return this.page.$$eval('.tabs-container .tab', (tabs) => tabs.length);
  }

  /** Moves the cursor with Go to Line (Ctrl+G). */
  async goTo(line, column = 1) {
    await this.page.keyboard.press('Control+G');
    await this.page.waitForSelector(`${QUICK_INPUT} input`, { state: 'visible' });
    await this.page.keyboard.type(`${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.waitForSelector(QUICK_INPUT, { state: 'hidden' });
  }

  /** The cursor's line and column, 1-based, as the status bar shows them ("Ln 7, Col 9"). */
  async cursorPosition() {
    const text = await this.page.evaluate(() => document.querySelector('[id="status.editor.selection"]')?.textContent ?? '');
    const match = /Ln (\d+), Col (\d+)/.exec(text);
    return match ? { line: Number(match[1]), column: Number(match[2]) } : undefined;
  }

  /** The texts of the code lenses of the active editor. */
  async codeLenses() {
    return this.page.evaluate(
      (editorSelector) =>
        [...document.querySelectorAll(`${editorSelector} .codelens-decoration a, ${editorSelector} .codelens-decoration span`)]
          .map((el) => el.textContent?.trim() ?? '')
          .filter(Boolean),
      ACTIVE_EDITOR,
    );
  }

  /** The rendered text of an editor line (it must be on screen: goTo it first). */
  async lineText(line) {
    return this.page.evaluate(
      ({ editorSelector, line }) => {
        const editor = document.querySelector(editorSelector);
        const number = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((el) => el.textContent.trim() === String(line));
        if (!number) return undefined;
        const top = number.parentElement.style.top;
        const viewLine = [...editor.querySelectorAll('.view-lines .view-line')].find((el) => el.style.top === top);
        return viewLine?.textContent.replace(/\u00a0/g, ' ');
      },
      { editorSelector: ACTIVE_EDITOR, line },
    );
  }

  /** Text of every line from 1 to `count`, read from the screen. */
  async lines(count) {
    const result = [];
    for (let line = 1; line <= count; line++) {
      let text = await this.lineText(line);
      if (text === undefined) {
        await this.goTo(line);
        text = await this.lineText(line);
      }
      result.push(text ?? '');
    }
    return result;
  }

  /**
   * Where characters of a line are on screen, and the token class (mtkN: Monaco's colour class) of the first one.
   * Returns undefined when the line is not rendered.
   */
  async characters(line, column, length) {
    return this.page.evaluate(
      ({ editorSelector, line, column, length }) => {
        const editor = document.querySelector(editorSelector);
        const number = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((el) => el.textContent.trim() === String(line));
        if (!number) return undefined;
        const top = number.parentElement.style.top;
        const viewLine = [...editor.querySelectorAll('.view-lines .view-line')].find((el) => el.style.top === top);
        if (!viewLine) return undefined;
        const start = column - 1;
        const end = start + length;
        const range = document.createRange();
        let offset = 0;
        let startSpan;
        const walker = document.createTreeWalker(viewLine, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const nodeEnd = offset + node.length;
          if (!startSpan && start < nodeEnd) {
            range.setStart(node, start - offset);
            startSpan = node.parentElement;
          }
          if (end <= nodeEnd) {
            range.setEnd(node, end - offset);
            break;
          }
          offset = nodeEnd;
        }
        if (!startSpan) return undefined;
        const rect = range.getBoundingClientRect();
        return {
          rect: { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom },
          tokenClass: [...startSpan.classList].find((c) => /^mtk\d+$/.test(c)),
          colour: getComputedStyle(startSpan).color,
        };
      },
      { editorSelector: ACTIVE_EDITOR, line, column, length },
    );
  }

  /** Screen rectangles of the active editor's squiggles of one severity ('error', 'warning', 'info'). */
  async squiggles(severity = 'error') {
    return this.page.$$eval(`${ACTIVE_EDITOR} .view-overlays .squiggly-${severity}`, (els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
      }),
    );
  }

  /** Hovers the mouse over a point and returns the hover widget's text once it shows. */
  async hoverText(x, y, { contains, timeoutMs = 10_000 } = {}) {
    await this.page.mouse.move(x - 30, y + 60);
    await this.page.mouse.move(x, y, { steps: 4 });
    return this.waitFor(
      `a hover${contains ? ` mentioning "${contains}"` : ''}`,
      async () => {
        const texts = await this.page.$$eval('.monaco-hover:not(.hidden) .monaco-hover-content', (els) => els.map((el) => el.textContent ?? ''));
        const text = texts.join('\n').trim();
        if (!text) return undefined;
        return !contains || text.includes(contains) ? text : undefined;
      },
      { timeoutMs },
    );
  }

  /**
   * Triggers suggestions (Ctrl+Space) and returns the visible items' labels. A language server busy re-analysing may
   * answer late: until one of `expecting` shows, it asks again (Escape, Ctrl+Space) for up to `timeoutMs`.
   */
  async suggestions({ expecting = [], timeoutMs = 20_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let labels = [];
    do {
      await this.page.keyboard.press('Control+Space');
      const shown = await this.page.waitForSelector(SUGGEST_ROWS, { timeout: 5000 }).catch(() => undefined);
      if (shown) {
        await this.page.waitForTimeout(300);
        labels = await this.page.$$eval(SUGGEST_ROWS, (rows) => rows.map((row) => row.querySelector('.label-name')?.textContent?.trim() ?? ''));
        if (expecting.length === 0 || expecting.some((label) => labels.includes(label))) return labels;
        await this.pressEscape();
      }
    } while (Date.now() < deadline);
    return labels;
  }

  /**
   * Opens the quick fix menu at the cursor (Ctrl+.) and returns its entries' titles. The language server may still
   * be analysing the last change: until one of `expecting` shows it asks again (Escape, Ctrl+.) for up to `timeoutMs`.
   */
  async quickFixes({ expecting = [], timeoutMs = 20_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let titles = [];
    do {
      await this.page.keyboard.press('Control+.');
      const shown = await this.page.waitForSelector(ACTION_ROWS, { timeout: 5000 }).catch(() => undefined);
      if (shown) {
        titles = await this.page.$$eval(ACTION_ROWS, (rows) => rows.map((row) => (row.getAttribute('aria-label') || row.textContent || '').trim()));
        if (expecting.length === 0 || expecting.some((title) => titles.includes(title))) return titles;
      }
      await this.pressEscape();
      await this.page.waitForTimeout(500);
    } while (Date.now() < deadline);
    return titles;
  }

  /** Picks an entry of the open quick fix menu with the mouse, and waits for the menu to close. */
  async chooseQuickFix(title) {
    const rows = await this.page.$$(ACTION_ROWS);
    for (const row of rows) {
      const label = ((await row.getAttribute('aria-label')) || (await row.textContent()) || '').trim();
      if (label !== title) continue;
      await row.click();
      await this.page.waitForSelector('.action-widget', { state: 'hidden' });
      return;
    }
    throw new Error(`the quick fix menu has no "${title}"`);
  }

  /** The open quick pick (the palette, a showQuickPick): its title and rows' labels, once it shows rows. */
  async quickPick(description, { titleContains = '', timeoutMs = 20_000 } = {}) {
    const state = await this.quickInput(description, { titleContains, timeoutMs, needsRows: true });
    return { title: state.title, rows: state.rows };
  }

  /** The open input box (showInputBox) whose title holds `titleContains`: its title and prompt. */
  async inputBox(description, { titleContains = '', timeoutMs = 20_000 } = {}) {
    const state = await this.quickInput(description, { titleContains, timeoutMs, needsRows: false });
    return { title: state.title, prompt: state.prompt };
  }

  /** The quick input widget (quick pick or input box) once it shows, with a title holding `titleContains`. */
  async quickInput(description, { titleContains, timeoutMs, needsRows }) {
    return this.waitFor(
      description,
      () =>
        this.page.evaluate(
          ({ selector, titleContains, needsRows }) => {
            const widget = document.querySelector(selector);
            if (!widget || widget.style.display === 'none') return undefined;
            const title = widget.querySelector('.quick-input-title')?.textContent ?? '';
            const prompt = widget.querySelector('.quick-input-message')?.textContent ?? '';
            const rows = [...widget.querySelectorAll('.monaco-list-row')].map((row) => row.querySelector('.label-name')?.textContent?.trim() ?? '');
            return (rows.length || !needsRows) && title.includes(titleContains) ? { title, prompt, rows } : undefined;
          },
          { selector: QUICK_INPUT, titleContains, needsRows },
        ),
      { timeoutMs },
    );
  }

  /** The modal dialog showing (showInformationMessage with `modal: true`): its message, detail and buttons. */
  async dialog(description, { timeoutMs = 20_000 } = {}) {
    return this.waitFor(
      description,
      () =>
        this.page.evaluate((selector) => {
          const box = document.querySelector(selector);
          if (!box) return undefined;
          return {
            message: box.querySelector('.dialog-message-text')?.innerText ?? '',
            detail: box.querySelector('.dialog-message-detail')?.innerText ?? '',
            buttons: [...box.querySelectorAll('.dialog-buttons .monaco-button')].map((b) => b.textContent?.trim() ?? ''),
          };
        }, DIALOG),
      { timeoutMs },
    );
  }

  async clickDialogButton(label) {
    await this.page.click(`${DIALOG} .dialog-buttons .monaco-button:text-is("${label}")`);
    await this.page.waitForSelector(DIALOG, { state: 'hidden' });
  }

  /** Waits for a notification toast whose message matches `pattern`; returns its message and buttons. */
  async notification(pattern, { timeoutMs = 30_000 } = {}) {
    return this.waitFor(
      `a notification matching ${pattern}`,
      async () => {
        const toasts = await this.page.$$eval(TOAST, (els) =>
          els.map((el) => ({
            message: el.querySelector('.notification-list-item-message')?.textContent ?? '',
            buttons: [...el.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map((b) => b.textContent?.trim() ?? ''),
          })),
        );
        return toasts.find((toast) => pattern.test(toast.message));
      },
      { timeoutMs },
    );
  }

  /** Clicks a button of the notification toast whose message matches `pattern`. */
  async clickNotificationButton(pattern, label) {
    const toasts = await this.page.$$(TOAST);
    for (const toast of toasts) {
      const message = (await toast.$eval('.notification-list-item-message', (el) => el.textContent ?? '').catch(() => '')) ?? '';
      if (!pattern.test(message)) continue;
      const button = await toast.$(`.notification-list-item-buttons-container .monaco-button:text-is("${label}")`);
      if (!button) throw new Error(`the notification "${message}" has no "${label}" button`);
      await button.click();
      return;
    }
    throw new Error(`no notification matches ${pattern}`);
  }

  /** The text of the Output panel's editor (the channel it shows), as rendered. */
  async outputPanelText() {
    return this.page.evaluate(() => {
      const lines = [...document.querySelectorAll('.part.panel .output-view .monaco-editor .view-lines .view-line')];
      return lines
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((line) => line.textContent.replace(/\u00a0/g, ' '))
        .join('\n');
    });
  }

  /** Names of the files and folders the explorer shows (those inside expanded folders). */
  async explorerLabels() {
    return this.page.$$eval('.explorer-folders-view .monaco-list-row .label-name', (els) => els.map((el) => el.textContent?.trim() ?? ''));
  }

  async focusProblems() {
    if (!(await this.page.$('.markers-panel'))) {
      await this.page.keyboard.press('Control+Shift+M');
      await this.page.waitForSelector('.markers-panel', { state: 'visible' });
    }
  }

  /**
   * Every row of the Problems panel: [{ file, severity, message, line, column, code }]. The list is virtualised, so
   * it is scrolled with real wheel events and rows are collected by their index.
   */
  async problems() {
    await this.focusProblems();
    const byIndex = new Map();
    // The rows' list viewport, once the panel shows rows; null when it says there are no problems.
    const box = await this.waitFor('the Problems panel to show rows or say it has none', () =>
      this.page.evaluate(() => {
        const panel = document.querySelector('.markers-panel');
        const row = panel?.querySelector('.monaco-list-row');
        const list = row?.closest('.monaco-list');
        if (list) {
          const r = list.getBoundingClientRect();
          return r.height > 0 ? { x: r.left, y: r.top, width: r.width, height: r.height } : undefined;
        }
        return /No problems have been detected/.test(panel?.textContent ?? '') ? { empty: true } : undefined;
      }),
    );
    if (box.empty) return [];
    // The wheel scrolls what is under the pointer: put it on the list, and start from the top (an earlier read, or
    // rows arriving since, may have left the list scrolled down, hiding the first files' rows).
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await this.page.mouse.wheel(0, -100_000);
    await this.page.waitForTimeout(100);
    // Stop once two scrolls in a row bring no new row: the end of the list.
    for (let pass = 0, unchanged = 0; pass < 50 && unchanged < 2; pass++) {
      const rows = await this.page.$$eval('.markers-panel .monaco-list-row', (els) =>
        els.map((el) => ({
          index: Number(el.getAttribute('data-index')),
          label: el.getAttribute('aria-label') ?? '',
          fileTitle: el.querySelector('.monaco-icon-label')?.getAttribute('aria-label') ?? '',
          text: el.textContent ?? '',
        })),
      );
      const before = byIndex.size;
      for (const row of rows) byIndex.set(row.index, row);
      unchanged = byIndex.size === before ? unchanged + 1 : 0;
      await this.page.mouse.wheel(0, box.height * 0.8);
      await this.page.waitForTimeout(100);
    }
    await this.page.mouse.wheel(0, -100_000);
    return parseProblemRows(
      [...byIndex.values()].sort((a, b) => a.index - b.index),
      this.workspaceDir,
    );
  }

  async waitForProblems(description, predicate, timeoutMs = 30_000) {
    let latest = [];
    try {
      return await this.waitFor(
        description,
        async () => {
          latest = await this.problems();
          return predicate(latest) ? latest : undefined;
        },
        { timeoutMs, intervalMs: 500 },
      );
    } catch (error) {
      error.message += `\nProblems panel:\n${describeProblems(latest)}`;
      throw error;
    }
  }

  /** A screenshot; the pointer is parked in a corner first unless `keepPointer` (to keep a hover showing). */
  async screenshot(path, { keepPointer = false } = {}) {
    if (!keepPointer) await this.page.mouse.move(0, 0);
    await this.page.screenshot({ path });
  }
}

const RESOURCE_LABEL = /^\d+ problems? in file /;
const MARKER_LABEL =
  /^(Error|Warning|Info|Hint)[^:]*: ([\s\S]*?) at line (\d+) and character (\d+)\.(?: This problem has references to \d+ locations?\.)?(?: generated by (.+))?$/;
/** A marker row's text ends with the source, the code and the position: "…istio-meshMESH101[Ln 9, Col 15]". */
const MARKER_CODE = /([A-Z][A-Z0-9]*\d)\[Ln \d+, Col \d+\]$/;

/** Resource rows ("2 problems in file a.yaml of folder x") give the file; marker rows below them the findings. */
function parseProblemRows(rows, workspaceDir) {
  const problems = [];
  let file;
  for (const row of rows) {
    if (RESOURCE_LABEL.test(row.label)) {
      file = row.fileTitle.startsWith(workspaceDir) ? row.fileTitle.slice(workspaceDir.length + 1) : row.fileTitle;
      continue;
    }
    // Related-information rows (level 3) have no severity prefix and are skipped here.
    const match = MARKER_LABEL.exec(row.label);
    if (!match) continue;
    const code = MARKER_CODE.exec(row.text.trim())?.[1];
    problems.push({ file, severity: match[1].toLowerCase(), message: match[2], line: Number(match[3]), column: Number(match[4]), code, source: match[5] });
  }
  return problems;
}

export function describeProblems(problems) {
  if (problems.length === 0) return '  (none)';
  return problems.map((p) => `  ${p.file}:${p.line}:${p.column} ${p.severity} ${p.code ?? '?'} ${p.message}`).join('\n');
}

/** Whether two screen rectangles overlap. */
export function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}
