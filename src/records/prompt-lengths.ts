/**
 * Prompt lengths a capture recorded in its sidecar, by experiment and request index. A record-level
 * fact (the sidecar reader in export/ produces it, sweep/ consumes it), so it lives in records/ and
 * export/ need not import sweep/.
 */
export interface PromptLengths {
  unit: 'tokens' | 'words';
  /** The length of request `index` of experiment `experiment`, or -1 when not recorded. */
  lookup(experiment: number, index: number): number;
}
