import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['.output/**', '.out-*/**', 'tmp/**', '.bench/**', '.models/**', '.wxt/**', 'node_modules/**', '.wrangler/**', 'out/**', 'demo-out/**', 'tests/fixtures/**/dist/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // House rule: nothing with content goes to a console. Only the logger modules may print.
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    // Command-line tools, benchmarks and test harnesses print their JSON results on purpose.
    files: ['scripts/**', 'bench/**', 'tests/e2e/**', 'extension/lib/log/**', 'worker/src/log.ts'],
    rules: { 'no-console': 'off' },
  },
);
