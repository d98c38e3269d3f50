#!/usr/bin/env bash
# ab.sh OLD NEW PKG BENCH [ROUNDS]: compare one benchmark between two
# commits in one run. The test binaries of OLD and NEW (any git revision)
# are built from `git archive` copies in a temporary directory, then run
# alternately ROUNDS times each (default 3), from PKG's directory in this
# checkout, so both read the same testdata and ../shared paths. Each
# round's ns/op is printed, then the medians and NEW/OLD. On a noisy
# machine only such a same-run ratio means anything.
#
# BENCH is a -bench regexp; it must match exactly one benchmark that both
# commits have (add a new benchmark in its own commit first, and A/B
# from that one on). BENCHTIME (default 1x) and BENCHFLAGS (extra test
# binary flags, e.g. "-test.benchmem") pass through.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 OLD NEW PKG BENCH [ROUNDS]   (e.g. $0 main HEAD ./scan 'NormalizeText\$' 5)" >&2
  exit 2
fi
old=$1 new=$2 pkg=${3#./} bench=$4 rounds=${5:-3}
root=$(git rev-parse --show-toplevel)
[ -d "$root/$pkg" ] || { echo "ab.sh: no package directory $root/$pkg" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ab.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export GOFLAGS="${GOFLAGS:--buildvcs=false} -mod=mod"

build() { # build REV NAME
  local rev=$1 name=$2 sha
  sha=$(git -C "$root" rev-parse --verify "$rev^{commit}") || { echo "ab.sh: $rev is not a commit" >&2; exit 2; }
  mkdir -p "$tmp/$name"
  git -C "$root" archive "$sha" | tar -x -C "$tmp/$name"
  (cd "$tmp/$name" && go test -c -o "$tmp/$name.test" "./$pkg") \
    || { echo "ab.sh: building the tests of ./$pkg at $rev ($sha) failed" >&2; exit 2; }
  echo "$name = $rev ($(git -C "$root" log -1 --format='%h %s' "$sha"))"
}
build "$old" old
build "$new" new

run() { # run NAME: one benchmark run, prints its ns/op
  local out ns
  out=$(cd "$root/$pkg" && "$tmp/$1.test" -test.run '^$' -test.bench "$bench" \
    -test.benchtime "${BENCHTIME:-1x}" ${BENCHFLAGS:-} 2>&1) || { echo "$out" >&2; exit 1; }
  ns=$(echo "$out" | awk '/^Benchmark/ && / ns\/op/ { for (i = 1; i < NF; i++) if ($(i+1) == "ns/op") print $i }')
  if [ "$(echo "$ns" | grep -c .)" != 1 ]; then
    echo "ab.sh: '$bench' must match exactly one benchmark; $1 printed:" >&2
    echo "$out" >&2
    exit 2
  fi
  echo "$ns"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }

: >"$tmp/old.ns"; : >"$tmp/new.ns"
for i in $(seq "$rounds"); do
  # Alternate which goes first, so a drift in the machine's load
  # does not always favour the same side.
  if [ $((i % 2)) = 1 ]; then order="old new"; else order="new old"; fi
  for side in $order; do
    ns=$(run "$side")
    echo "$ns" >>"$tmp/$side.ns"
    printf 'round %d %s %14.0f ns/op  (load %s)\n' "$i" "$side" "$ns" "$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?)"
  done
done
mo=$(median <"$tmp/old.ns") mn=$(median <"$tmp/new.ns")
awk -v o="$mo" -v n="$mn" 'BEGIN { printf "median old %.0f ns/op, new %.0f ns/op: new/old %.3f (new %.2fx as fast)\n", o, n, n/o, o/n }'
