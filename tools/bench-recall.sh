#!/usr/bin/env bash
# The recall benchmark, side by side with the peers in one run:
#   Aeon's sweep, then hnswlib / FAISS IVF-SQ8 / usearch (../shared/tools/peers.py), then Aeon's
#   sweep again (so drift of this shared machine shows), all single-threaded search on the same
#   files. Writes one JSON object to docs/results/recall-<date>.json (or $OUT) and prints a summary.
#
#   tools/bench-recall.sh [DATA_DIR]      default: ../shared/datasets/wn-minilm384
# Needs the peers' venv: ../shared/tools/setup-peers.sh .venv-peers (VENV overrides the path).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/datasets/wn-minilm384}
venv=${VENV:-.venv-peers}
out=${OUT:-docs/results/recall-$(date -u +%F).json}
store=${STORE:-$(mktemp -d)/store}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -x "$venv/bin/python" ] || { echo "bench-recall: create the peers' venv first: ../shared/tools/setup-peers.sh $venv" >&2; exit 2; }
tools/bootstrap.sh
swift build -c release --product aeon-bench >&2
aeon=(.build/release/aeon-bench recall --base "$data/base.fvecs" --query "$data/query.fvecs" --gt "$data/gt.ivecs" --store "$store" --json)

echo "== aeon (first)" >&2
"${aeon[@]}" --rebuild > "$tmp/aeon1.json"
echo "== peers" >&2
"$venv/bin/python" ../shared/tools/peers.py --data "$data" --only hnsw,ivfsq8,usearch > "$tmp/peers.json"
echo "== aeon (second)" >&2
"${aeon[@]}" > "$tmp/aeon2.json"

python3 - "$tmp" "$out" <<'PY'
import json, sys, platform, subprocess
tmp, out = sys.argv[1], sys.argv[2]
a1, a2, peers = (json.load(open(f"{tmp}/{n}.json")) for n in ("aeon1", "aeon2", "peers"))
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
result = dict(machine=dict(cpu=cpu, cores=subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()),
              aeon_first=a1, aeon_second=a2, peers=peers)
json.dump(result, open(out, "w"), indent=1, sort_keys=True)
def best(points, floor=0.95):
    ok = [p for p in points if p["recall10"] >= floor]
    return max(ok, key=lambda p: p["qps"]) if ok else None
print(f"{'system':<22} {'point':<14} {'recall@10':>9} {'QPS':>8} {'p50 us':>8} {'p99 us':>8}  build s")
for name, run in (("aeon (first)", a1), ("aeon (second)", a2)):
    b = best(run["points"])
    if b: print(f"{name:<22} nprobe={b['nprobe']:<7} {b['recall10']:9.4f} {b['qps']:8.0f} {b['p50_us']:8.1f} {b['p99_us']:8.1f}  {run.get('build_s') or 0:.2f}")
for name in ("hnswlib-M16", "faiss-ivf-sq8", "usearch-i8", "usearch-f16"):
    if name not in peers: continue
    b = best(peers[name]["points"])
    txt = f"{b['param']:<14} {b['recall10']:9.4f} {b['qps']:8.0f} {b['p50_us']:8.1f} {b['p99_us']:8.1f}" if b else "never reaches 0.95"
    print(f"{name:<22} {txt}  {peers[name]['build_s']:.2f}")
print(f"written: {out}")
PY
