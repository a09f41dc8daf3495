#!/usr/bin/env python3
"""Makes the sample data set shipped with aeonctl (Sources/aeonctl/Sample) from the shared
wn-minilm384 data: a fixed random slice of base vectors with their texts, held-out queries with
their texts, and the exact top-100 of each query within the slice (inner product on unit
vectors = cosine). Deterministic: the same input gives the same files.

    tools/make-sample.py [--data ../shared/datasets/wn-minilm384] [--base 4000] [--queries 200]
"""
import argparse, hashlib, os
import numpy as np


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:].view(np.float32)


def write_vecs(path, rows, dtype):
    rows = np.asarray(rows, dtype=dtype)
    n, d = rows.shape
    out = np.empty((n, d + 1), dtype=np.int32)
    out[:, 0] = d
    out[:, 1:] = rows.view(np.int32)
    out.tofile(path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "datasets", "wn-minilm384"))
    ap.add_argument("--out", default=os.path.join(here, "..", "Sources", "aeonctl", "Sample"))
    ap.add_argument("--base", type=int, default=4000)
    ap.add_argument("--queries", type=int, default=200)
    a = ap.parse_args()
    rng = np.random.default_rng(20261121)
    base = read_fvecs(os.path.join(a.data, "base.fvecs"))
    queries = read_fvecs(os.path.join(a.data, "query.fvecs"))
    base_text = open(os.path.join(a.data, "base.txt"), encoding="utf-8").read().split("\n")
    query_text = open(os.path.join(a.data, "query.txt"), encoding="utf-8").read().split("\n")
    bi = np.sort(rng.choice(len(base), a.base, replace=False))
    qi = np.sort(rng.choice(len(queries), a.queries, replace=False))
    b, q = base[bi], queries[qi]
    gt = np.argsort(-(q @ b.T), axis=1, kind="stable")[:, :100].astype(np.int32)
    os.makedirs(a.out, exist_ok=True)
    write_vecs(os.path.join(a.out, "base.fvecs"), b, np.float32)
    write_vecs(os.path.join(a.out, "query.fvecs"), q, np.float32)
    write_vecs(os.path.join(a.out, "gt.ivecs"), gt, np.int32)
    with open(os.path.join(a.out, "base.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(base_text[i] for i in bi) + "\n")
    with open(os.path.join(a.out, "query.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(query_text[i] for i in qi) + "\n")
    with open(os.path.join(a.out, "SHA256SUMS"), "w") as f:
        for name in ("base.fvecs", "base.txt", "query.fvecs", "query.txt", "gt.ivecs"):
            digest = hashlib.sha256(open(os.path.join(a.out, name), "rb").read()).hexdigest()
            f.write(f"{digest}  {name}\n")
    print(f"sample: {a.base} base vectors, {a.queries} queries -> {a.out}")


if __name__ == "__main__":
    main()
