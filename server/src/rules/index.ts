import type { Rule } from './rule';

/** Every rule, in the order their findings are listed. Adding a rule means adding it here and its docs page. */
export const ALL_RULES: readonly Rule[] = [];
