import { readFileSync } from 'node:fs';

/** A JSONL sidecar's lines, by kind; measured requests ordered by their export index. */
export interface SidecarLines {
  lines: any[];
  header: any;
  experiments: { index: number; mode: string; value: number; requests: any[]; end: any }[];
  warmup: any[];
  sent: any[];
  end: any;
}

export function readSidecarLines(exportFile: string): SidecarLines {
  const lines = readFileSync(`${exportFile}.palens.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  const experiments: SidecarLines['experiments'] = [];
  for (const l of lines) if (l.kind === 'experiment') experiments[l.index] = { index: l.index, mode: l.mode, value: l.value, requests: [], end: null };
  for (const l of lines) {
    if (l.kind === 'request' && !l.warmup) experiments[l.experiment]!.requests[l.index] = l;
    if (l.kind === 'experiment_end') experiments[l.index]!.end = l;
  }
  return {
    lines,
    header: lines[0],
    experiments,
    warmup: lines.filter((l) => l.kind === 'request' && l.warmup),
    sent: lines.filter((l) => l.kind === 'sent'),
    end: lines.find((l) => l.kind === 'end') ?? null,
  };
}
