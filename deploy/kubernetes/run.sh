#!/usr/bin/env bash
# Runs a sharded capture on the current kubectl context and merges it:
#   bash deploy/kubernetes/run.sh [SECONDS_UNTIL_START]   (default 60: time for every pod to be scheduled)
# Edit scenario.yaml first (server, model, shards, load); keep capture-job.yaml's completions and
# parallelism equal to `shards`.
set -euo pipefail
cd "$(dirname "$0")"
lead=${1:-60}
start_at=$(date -u -d "+${lead} seconds" +%Y-%m-%dT%H:%M:%SZ)

kubectl apply -f results-pvc.yaml
# The scenario, with this run's start time.
sed "s/^  start_at: .*/  start_at: \"${start_at}\"/" scenario.yaml | kubectl apply -f -
kubectl delete job palens-capture palens-merge --ignore-not-found

# Waits until a Job has completed; fails (with its pods' logs) as soon as it has failed.
wait_job() {
  while :; do
    state=$(kubectl get "job/$1" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')
    case " $state " in
      *" Complete "*) return 0 ;;
      *" Failed "*) kubectl logs "job/$1" --all-containers --prefix || true; echo "job $1 failed" >&2; return 1 ;;
    esac
    sleep 10
  done
}

kubectl apply -f capture-job.yaml
echo "shards start at ${start_at}"
wait_job palens-capture
kubectl apply -f merge-job.yaml
wait_job palens-merge
kubectl logs job/palens-merge
