/** The names the command line offers for server APIs and OpenAI endpoints (kept apart so that option parsing loads nothing else). */
export type Api = 'triton' | 'openai';
export const APIS: readonly Api[] = ['triton', 'openai'];
export type Endpoint = 'chat' | 'completions';
export const ENDPOINTS: readonly Endpoint[] = ['chat', 'completions'];
