#!/usr/bin/env bash
# `npm test`: lint, typecheck, build, every workspace's tests (the edge suite on
# real PostgreSQL and again on PGlite), the e2e workspace, the deploy path
# (wrangler deploy --dry-run, drizzle-kit check, the Dockerfiles' linter,
# helm lint/template), then one
# closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
rm -f ./*/test-results*.json
failures=0
failed_steps=''
step() {
  local name=$1; shift
  echo "::: $name"
  if ! "$@"; then echo "::: $name FAILED"; failures=$((failures + 1)); failed_steps="$failed_steps|$name"; fi
}

step "helm and kubectl" bash tools/install-helm.sh
export KUBECTL="$PWD/.tools/kubectl/kubectl"
step "lint" npm run lint --silent
step "typecheck and build" turbo run typecheck build --output-logs=errors-only
step "unit and integration tests" turbo run test --concurrency=1 --continue --output-logs=errors-only --filter='!@stageline/e2e'
if [ -f edge/test-results.json ]; then mv edge/test-results.json edge/test-results.postgres.json; fi
step "edge tests on PGlite" env TEST_DB=pglite npm run test -w @stageline/edge --silent
if [ -f edge/test-results.json ]; then mv edge/test-results.json edge/test-results.pglite.json; fi
step "e2e" npm run test -w @stageline/e2e --silent
step "wrangler deploy --dry-run" npm run deploy:dry -w @stageline/edge --silent
step "drizzle-kit check" npm run check -w @stageline/db --silent
step "dockerfile lint" bash -c 'for f in runner/Dockerfile cluster-agent/Dockerfile; do dockerfile-utils lint "$f" || exit 1; done'
step "helm lint" .tools/helm/helm lint cluster-agent/chart -f cluster-agent/chart/ci-values.yaml
step "helm template" bash -c '.tools/helm/helm template stageline cluster-agent/chart -f cluster-agent/chart/ci-values.yaml > /dev/null'

EXTRA_FAILED=$failures FAILED_STEPS=$failed_steps node tools/sum-results.mjs
[ "$failures" -eq 0 ]
