#!/usr/bin/env bash
# Copies the repository's policies, fixtures, schema and dashboard into the
# chart's files/ (Helm can only read files inside the chart). The test
# `deploy::chart_files_match_the_repository` fails until this has been run
# after a change.
set -euo pipefail
chart="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$chart/../.." && pwd)"
rm -rf "$chart/files"
mkdir -p "$chart/files/policies/tests" "$chart/files/schema" "$chart/files/dashboards"
cp "$repo"/policies/*.cedar "$chart/files/policies/"
cp "$repo"/policies/tests/*.json "$chart/files/policies/tests/"
cp "$repo/schema/trackly.cedarschema" "$chart/files/schema/"
cp "$repo/dashboards/trackly-authz.json" "$chart/files/dashboards/"
