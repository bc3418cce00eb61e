/** The request presets palens knows (driver/presets.ts builds them). */
export const BACKENDS = ['vllm', 'vllm-legacy', 'trtllm'] as const;
export type Backend = (typeof BACKENDS)[number];
