/**
 * deploy/kubernetes/: every manifest validated offline against the Kubernetes OpenAPI schemas that
 * the kubernetes-models package ships (nothing is downloaded), and the wiring between them checked:
 * the Indexed Job's completion index becomes --shard, its size is the ConfigMap's, every ConfigMap
 * key and volume it names exists, and the merge reads what the shards write.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { repoPath } from '../helpers/paths.js';

type Doc = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;
interface Validatable {
  validate(): void;
}

const DIR = repoPath('deploy', 'kubernetes');

/** The kubernetes-models class for a manifest's apiVersion and kind (core group: `v1/Kind`). */
async function model(doc: Doc): Promise<new (data: unknown) => Validatable> {
  const path = doc.apiVersion.includes('/') ? `${doc.apiVersion}/${doc.kind}` : `v1/${doc.kind}`;
  const mod = (await import(`kubernetes-models/${path}`)) as Record<string, new (data: unknown) => Validatable>;
  const cls = mod[doc.kind];
  if (cls === undefined) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  return cls;
}

async function validate(doc: Doc): Promise<void> {
  new (await model(doc))(doc).validate();
}

function manifests(): { file: string; doc: Doc }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) => (loadAll(readFileSync(join(DIR, file), 'utf8')) as Doc[]).filter((d) => d !== null).map((doc) => ({ file, doc })));
}

const byKind = (kind: string, name: string): Doc => {
  const hit = manifests().find((m) => m.doc.kind === kind && m.doc.metadata.name === name);
  if (hit === undefined) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return hit.doc;
};

interface Container {
  command: string[];
  args: string[];
  env: { name: string; valueFrom?: { configMapKeyRef?: { name: string; key: string } } }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}
const podOf = (job: Doc): PodSpec => (job.spec as { template: { spec: PodSpec } }).template.spec;

describe('deploy/kubernetes', () => {
  test('every manifest passes the Kubernetes schema', async () => {
    const all = manifests();
    expect(all.map((m) => m.doc.kind).sort()).toEqual(['ConfigMap', 'Job', 'Job', 'PersistentVolumeClaim']);
    for (const { file, doc } of all) {
      await expect(validate(doc).then(() => file)).resolves.toBe(file);
    }
  });

  test('the schema check can fail: a mistyped field is caught', async () => {
    const job = structuredClone(byKind('Job', 'palens-capture'));
    (job.spec as Record<string, unknown>).completions = 'four';
    await expect(validate(job)).rejects.toThrow(/completions must be integer/);
    const noName = structuredClone(byKind('Job', 'palens-capture'));
    delete (podOf(noName).containers[0] as Partial<Container> & { name?: string }).name;
    await expect(validate(noName)).rejects.toThrow(/required property name/);
  });

  test('the capture is an Indexed Job whose completion index becomes --shard I/N, N = the ConfigMap\'s shards', () => {
    const job = byKind('Job', 'palens-capture');
    const spec = job.spec as { completionMode: string; completions: number; parallelism: number };
    const scenario = byKind('ConfigMap', 'palens-scenario').data as Record<string, string>;
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBe(Number(scenario.shards));
    expect(spec.parallelism).toBe(spec.completions);
    const script = podOf(job).containers[0]!.args.join(' ');
    expect(script).toMatch(/I=\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/);
    expect(script).toContain('--shard "$I/$SHARDS"');
    expect(script).toContain('--start-at "$START_AT"');
    expect(script).toContain('-f "/results/shard-$I.json"');
  });

  test('every ConfigMap key and volume the Jobs name exists, and the merge reads what the shards write', () => {
    const scenario = byKind('ConfigMap', 'palens-scenario');
    const pvc = byKind('PersistentVolumeClaim', 'palens-results');
    for (const name of ['palens-capture', 'palens-merge']) {
      const pod = podOf(byKind('Job', name));
      const c = pod.containers[0]!;
      for (const e of c.env) {
        const ref = e.valueFrom?.configMapKeyRef;
        expect(ref?.name).toBe(scenario.metadata.name);
        expect(Object.keys(scenario.data as object)).toContain(ref!.key);
      }
      // Every variable the script reads is set: by the ConfigMap, by Kubernetes (the completion index) or by the script itself.
      const script = c.args.join(' ');
      const own = [...script.matchAll(/\b([A-Z_]+)=/g)].map((m) => m[1]);
      for (const v of script.matchAll(/\$\{?([A-Z_]+)/g)) expect([...c.env.map((e) => e.name), 'JOB_COMPLETION_INDEX', ...own]).toContain(v[1]);
      expect(c.volumeMounts).toEqual([{ name: 'results', mountPath: '/results' }]);
      expect(pod.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: pvc.metadata.name } }]);
    }
    const merge = podOf(byKind('Job', 'palens-merge')).containers[0]!.args.join(' ');
    expect(merge).toContain('palens merge /results/shard-*.json -o /results/all.json');
  });
});
