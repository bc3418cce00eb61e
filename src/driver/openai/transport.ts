/**
 * The capture's transport to an OpenAI-compatible server (driver/transport.ts): preflight on
 * `GET /v1/models`, one streaming HTTP request per capture request, each SSE event handed to the
 * capture as one response stamped when the event was complete (its raw text is the export's
 * `response`, as perf_analyzer's OpenAI exports hold SSE text), and, when a request ends, its token
 * attribution for the sidecar (driver/openai/tokens.ts).
 *
 * A lane here is not a connection: HTTP/1.1 carries one request at a time, so every request takes
 * a keep-alive socket of its own from the client's agent; a lane only groups what it sent (to
 * cancel it together).
 */
import { ServerError } from '../../errors.js';
import type { Plain } from '../../proto/codec.js';
import type { Clock } from '../../records/clock.js';
import type { ModelInfo, RequestPlan, RequestSource } from '../presets.js';
import type { Lane, LaneEvents, Preflight, Transport, TransportResponse } from '../transport.js';
import { OpenAIClient, type OpenStream } from './client.js';
import { emptyAsExported } from './chunk.js';
import { EventLog } from './event-log.js';
import { type Endpoint, ENDPOINT_PATH, type PayloadOptions, payload } from './request.js';
import { attributeTokens } from './tokens.js';
import { inputDataSourceOf, openaiInputData } from './input-data.js';
import { checkPromptTokens } from '../../records/prompt-token-check.js';

export interface OpenAITransportOptions extends Omit<PayloadOptions, 'model'> {
  /** Extra request headers (--header); never written anywhere. */
  headers: Record<string, string>;
  /** Counts tokens of text, for attribution when the server gives no per-event usage. */
  countTokens: ((text: string) => number) | null;
  /** --input-data: request bodies from perf_analyzer's input-data JSON instead of generated prompts (driver/openai/input-data.ts). */
  inputData?: string | null;
}

/** What the sidecar keeps per OpenAI request (docs/SIDECAR.md, `tokens`). */
export interface TokenReport {
  /** Where per-response token counts came from: `usage` (exact), `tokenizer` (approximate at boundaries) or `events` (one per content event). */
  source: 'usage' | 'tokenizer' | 'events';
  /** Tokens in each response of the export's request, in order (0 for the role chunk, empty deltas, usage, [DONE]). */
  per_response: number[];
  /** Tokens seen in content responses (the sum of per_response). */
  output: number;
  /** The server's usage.prompt_tokens / completion_tokens (last seen), or null. */
  usage_prompt_tokens: number | null;
  /** usage_prompt_tokens − the request's prompt_tokens (palens's count by --tokenizer); null when either is unknown (records/prompt-token-check.ts). */
  prompt_tokens_difference: number | null;
  /** Whether the server counted the prompt differently; null when not comparable (no --tokenizer: lengths in words). */
  prompt_tokens_mismatch: boolean | null;
  usage_completion_tokens: number | null;
  /** With `usage`: tokens the server counted on responses without content (an EOS on the finish chunk). */
  without_content: number;
  /** Events whose bytes came in more than one read; the largest first-byte-to-complete spread, ns. */
  split_events: number;
  max_event_spread_ns: number;
}

const RESPONSE_OUTPUT = [{ name: 'response', datatype: 'BYTES' }];
const NO_OUTPUTS: { name: string; datatype: string }[] = [];

interface Request {
  log: EventLog;
  stream: OpenStream | null;
  lane: Set<string>;
  /** Per response handed to the capture (the export's responses): its event's index in the log, or -1 for an empty final. */
  responses: number[];
}

export class OpenAITransport implements Transport {
  readonly client: OpenAIClient;
  readonly exportKind: { serviceKind: string; endpoint: string };
  private readonly path: string;
  /** The id each encoded body belongs to (Lane.send hands over bytes only). */
  private readonly ids = new WeakMap<Buffer, string>();
  private readonly requests = new Map<string, Request>();
  private readonly reused: TransportResponse = { id: '', error: '', final: false, outputs: [], raw: [], unprefixed: true };
  private maxEventsPerRead = 0;
  /** Events that came after their stream's [DONE] (its request had ended there): not in any record. */
  private afterDone = 0;

  constructor(
    target: string,
    clock: Clock,
    private readonly o: OpenAITransportOptions,
  ) {
    this.client = new OpenAIClient(target, clock, { headers: o.headers });
    this.path = ENDPOINT_PATH[o.endpoint];
    this.exportKind = { serviceKind: 'openai', endpoint: this.path };
  }

  get target(): string {
    return this.client.target;
  }

  get endpoint(): Endpoint {
    return this.o.endpoint;
  }

  async preflight(name: string): Promise<Preflight> {
    const o = this.o;
    // The file is checked first: its mistakes are reported whether or not the server is up.
    const bodies = o.inputData ? await openaiInputData(o.inputData, { endpoint: o.endpoint, model: name }) : null;
    const { ids, body } = await this.client.models();
    if (!ids.includes(name)) {
      throw new ServerError(`model '${name}' is not served here; the server has: ${ids.length > 0 ? ids.join(', ') : 'none (GET /v1/models lists no model)'}`, this.target, undefined, 'name one of them with -m');
    }
    const model: ModelInfo = {
      name,
      maxBatchSize: 0,
      decoupled: true,
      inputs: [{ name: 'payload', datatype: 'BYTES', dims: [1], optional: false }],
      outputs: [{ name: 'response', datatype: 'BYTES' }],
      metadata: { api: 'openai', models: body as Plain },
    };
    const source: RequestSource = bodies !== null ? inputDataSourceOf(o.inputData!, bodies, { ...o, model: name }) : {
      description: `OpenAI ${ENDPOINT_PATH[o.endpoint]} (stream, usage${o.usage === 'continuous' ? ', continuous usage' : ''})`,
      needsPrompts: true,
      check: () => [],
      next: (prompt): RequestPlan => ({ tensors: [{ name: 'payload', datatype: 'BYTES', values: [payload({ ...o, model: name }, prompt ?? '')] }], parameters: {}, prompt }),
    };
    return { server: { api: 'openai', base_url: this.client.base.href, models: ids }, model, source };
  }

  encode(_model: ModelInfo, plan: RequestPlan, id: string): Buffer {
    const bytes = Buffer.from(String(plan.tensors[0]!.values[0]), 'utf8');
    this.ids.set(bytes, id);
    return bytes;
  }

  /** perf_analyzer's OpenAI request_inputs: the body sent, as a JSON string. */
  requestInputs(plan: RequestPlan): Record<string, string> {
    return { payload: String(plan.tensors[0]!.values[0]) };
  }

  openLane(events: LaneEvents): Lane {
    const mine = new Set<string>();
    return {
      send: (bytes) => this.send(bytes, mine, events),
      close: () => undefined,
      cancel: () => {
        for (const id of mine) {
          this.requests.get(id)?.stream?.abort();
          this.requests.delete(id);
        }
        mine.clear();
      },
    };
  }

  private send(bytes: Buffer, lane: Set<string>, events: LaneEvents): void {
    const id = this.ids.get(bytes);
    if (id === undefined) throw new Error('OpenAITransport: a body that encode() did not make');
    const log = new EventLog(this.o.countTokens !== null);
    const req: Request = { log, stream: null, lane, responses: [] };
    this.requests.set(id, req);
    lane.add(id);
    let lastStamp = 0;
    let perRead = 0;
    req.stream = this.client.stream(
      this.path,
      bytes,
      {
        event: (ev, chunk) => {
          if (log.done) {
            this.afterDone++;
            return;
          }
          log.add(ev, chunk);
          perRead = ev.completeNs === lastStamp ? perRead + 1 : 1;
          lastStamp = ev.completeNs;
          if (perRead > this.maxEventsPerRead) this.maxEventsPerRead = perRead;
          if (chunk.kind === 'error') return events.response(ev.completeNs, this.response(id, chunk.error ?? 'an error event', false, null));
          req.responses.push(log.count - 1);
          events.response(ev.completeNs, this.response(id, '', chunk.kind === 'done', ev.raw(), emptyAsExported(ev, chunk)));
        },
        leaving: (stampNs) => events.leaving?.(id, stampNs),
        end: (out) => {
          lane.delete(id);
          if (out.status === 'ok') {
            // A server that sends no [DONE]: the stream ended cleanly after a finish_reason; an empty final marks it.
            if (!log.done) {
              req.responses.push(-1);
              events.response(log.count > 0 ? log.stamp(log.count - 1) : 0, this.response(id, '', true, null));
            }
          } else events.response(log.count > 0 ? log.stamp(log.count - 1) : 0, this.response(id, out.error ?? `failed (${out.status})`, true, null));
        },
      },
      // The capture's request id, for a server's logs and palens mock's truth log. Not x-request-id:
      // llama-cpp-python's server answers 400 to an x-request-id that is not a UUID.
      { 'x-palens-request-id': id },
    );
  }

  /**
   * The response handed to the capture: one object, reused — the capture copies what it keeps
   * before `response` returns (driver/response-log.ts), and an object per event would cost every
   * scavenge. The raw event text goes as it is (`unprefixed`), with its emptiness when readChunk
   * decided it (`empty`).
   */
  private response(id: string, error: string, final: boolean, raw: Buffer | null, empty: boolean | null = null): TransportResponse {
    const r = this.reused;
    r.id = id;
    r.error = error;
    r.final = final;
    if (raw === null) {
      r.outputs = NO_OUTPUTS;
      r.raw.length = 0;
      r.empty = undefined;
    } else {
      r.outputs = RESPONSE_OUTPUT;
      r.raw.length = 1;
      r.raw[0] = raw;
      r.empty = empty ?? undefined;
    }
    return r;
  }

  /**
   * Timed out or cancelled: the HTTP request is destroyed (its socket closed, so the server sees the
   * client go away) and leaves its lane; what it received stays for its token report.
   */
  abandon(id: string): void {
    const req = this.requests.get(id);
    if (req === undefined) return;
    req.stream?.abort();
    req.lane.delete(id);
  }

  /** The request's token report, once it has ended (the capture asks as it writes the request's record); then forgotten. */
  requestExtras(id: string, promptTokens: number): { tokens: TokenReport } | null {
    const req = this.requests.get(id);
    if (req === undefined) return null;
    this.requests.delete(id);
    const log = req.log;
    const a = attributeTokens(log, this.o.countTokens);
    return {
      tokens: {
        source: a.source,
        per_response: req.responses.map((k) => (k < 0 ? 0 : a.perEvent[k]!)),
        output: a.tokens,
        usage_prompt_tokens: log.promptTokens >= 0 ? log.promptTokens : null,
        ...checkPromptTokens(promptTokens, log.promptTokens),
        usage_completion_tokens: log.completionTokens >= 0 ? log.completionTokens : null,
        without_content: a.uncounted,
        split_events: log.splitEvents,
        max_event_spread_ns: Math.round(log.maxSpreadNs),
      },
    };
  }

  maxResponsesPerRead(): number {
    return this.maxEventsPerRead;
  }

  notes(): string[] {
    return this.afterDone === 0 ? [] : [`${this.afterDone} event${this.afterDone === 1 ? '' : 's'} came after their stream's [DONE] and are in no record (a request ends at [DONE])`];
  }

  close(): void {
    for (const req of this.requests.values()) req.stream?.abort();
    this.client.close();
  }
}
