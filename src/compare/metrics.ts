/** The metrics `palens compare` compares and can gate on. */
export const COMPARED_METRICS = ['time_to_first_token', 'token_to_token_latency', 'inter_token_latency', 'request_latency'] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];
