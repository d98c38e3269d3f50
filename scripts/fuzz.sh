#!/usr/bin/env bash
# Runs every fuzz test of the module for FUZZTIME each (default 30s).
# Fuzz tests also run on their seed corpus in `make test`; this explores.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-30s}
# Go minimises each new interesting input for up to 60s by default; on
# kilobyte seeds (PE files, CHM) that left 30s targets at a dozen runs.
FUZZMINIMIZE=${FUZZMINIMIZE:-2s}
fail=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for fz in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $fz ($FUZZTIME)"
    if ! go test "$pkg" -run '^$' -fuzz "^${fz}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZE"; then
      fail=1
    fi
  done
done
# The mail parser differential with many more mutants than make test's 5
# per corpus message.
echo "== mailscan TestParserDifferential (${DIFF_MUTANTS:-40} mutants per corpus message)"
if ! SIGTOOL_DIFF_MUTANTS=${DIFF_MUTANTS:-40} go test ./mailscan -run '^TestParserDifferential$' -v -timeout 60m | grep -E '^(--- |FAIL|ok)|parser differential|yield'; then
  fail=1
fi
exit $fail
