// Lint: the few rules that catch real mistakes here, import order, and the layering of ARCHITECTURE.md
// (parse → resources → mesh → rules → engine → features/lsp/cli), which a type-only import may cross
// (it leaves nothing at run time) but a value import may not. Formatting is Prettier's (eslint-config-prettier).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

const LSP = ['vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageserver-textdocument', 'vscode-jsonrpc', 'vscode-jsonrpc/*'];

/**
 * Forbids value imports of the given folders of server/src (by name, from any depth) and of the given packages;
 * `sealed` folders may not be imported at all, not even for a type.
 */
function layer(folders, packages = [], sealed = []) {
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          ...folders.map((folder) => ({
            group: [`**/${folder}`, `**/${folder}/*`, `./${folder}`, `./${folder}/*`],
            allowTypeImports: !sealed.includes(folder),
            message: sealed.includes(folder)
              ? `this layer sits below ${folder}/ and knows nothing of it (ARCHITECTURE.md), not even its types`
              : `this layer sits below ${folder}/ (ARCHITECTURE.md): import only types from it`,
          })),
          ...(packages.length ? [{ group: packages, message: 'this layer must not reach the language server protocol or the file system' }] : []),
        ],
      },
    ],
  };
}

const ABOVE_ENGINE = ['lsp', 'features', 'cli'];

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.e2e/**',
      'test-results/**',
      'test/fixtures/**',
      'test/e2e/workspace*/**',
      'examples/**',
      'bench/results/**',
      'bench/.cache/**',
      '**/*.js',
    ],
  },
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // Below the engine nothing imports it, not even a type: a file is resources/workspaceFile.ts there.
  { files: ['server/src/parse/**/*.ts'], rules: layer(['resources', 'mesh', 'rules', 'engine', 'compose', ...ABOVE_ENGINE], LSP, ['engine']) },
  { files: ['server/src/resources/**/*.ts'], rules: layer(['mesh', 'rules', 'engine', ...ABOVE_ENGINE], LSP, ['engine']) },
  { files: ['server/src/mesh/**/*.ts'], rules: layer(['rules', 'engine', ...ABOVE_ENGINE], LSP, ['engine']) },
  {
    files: ['server/src/rules/**/*.ts'],
    rules: layer(['engine', 'apply', 'runbook', ...ABOVE_ENGINE], [...LSP, 'fs', 'node:fs', 'fs/*', 'node:fs/*'], ['engine']),
  },
  { files: ['server/src/engine/**/*.ts'], rules: layer(ABOVE_ENGINE, LSP) },
  { files: ['server/src/{apply,compose,runbook,generators,schemas,workspace}/**/*.ts'], rules: layer(['engine', ...ABOVE_ENGINE], LSP, ['engine']) },
  // security/ redacts by the engine's Workspace (lsp/main.ts hands it the server's): its type only.
  { files: ['server/src/security/**/*.ts'], rules: layer(['engine', ...ABOVE_ENGINE], LSP) },
  { files: ['server/src/cli/**/*.ts'], rules: layer(['lsp', 'features'], LSP) },
  prettier,
);
