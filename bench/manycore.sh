#!/usr/bin/env bash
# Prepares the many-core scaling run (DEVELOPERS.md: "The many-core machine"): packs the
# peers with their libraries and a static simdnn benchmark binary into DIR (default
# .devbench, which .git/info/exclude should list), with DIR/run.sh, which runs the peers
# and simdnn alternately at THREADS (default: every core) and at 1 thread, writing
# all.txt and machine.txt under $OUT. Then, on that machine: bash .devbench/run.sh 16
#   bench/manycore.sh [DIR]    # from the project root, after ../shared/peers/run.sh install
set -euo pipefail
dir=${1:-.devbench}
../shared/peers/device-bundle.sh "$dir"
(cd bench && CGO_ENABLED=0 go test -c -o "../$dir/bench.test" .)
cat > "$dir/run.sh" <<'EOT'
#!/usr/bin/env bash
cd "$(dirname "$0")"
t=${1:-$(nproc)}; out=${OUT:-/tmp/out}; mkdir -p "$out"
{ nproc; lscpu; } > "$out/machine.txt" 2>&1
bench() { GOMAXPROCS=$1 ./bench.test -test.run '^$' -test.bench '/simdnn' -test.benchtime 0.3s -test.count "$2"; }
{
  echo "== round 1"; bash peers.sh "$t"; bench "$t" 3
  bash peers.sh 1; bench 1 1
  echo "== round 2"; bash peers.sh "$t"; bench "$t" 3
} > "$out/all.txt" 2>&1
EOT
chmod +x "$dir/run.sh"
