"""A straightforward NumPy computation of one full neural-collapse evaluation, the peer of metricsChild.ts.

Same inputs (H N x d float32, y, W C x d, b, training counts) and the same quantities as the trainer's
evaluateNeuralCollapse, written the way a researcher would in NumPy (DOMAIN.md; Papyan, Han & Donoho 2020;
Fang et al. 2021): class means, global mean = mean of class means, Sigma_W, Sigma_B, pinv(Sigma_B) with a relative
cut-off, NC1 (pooled and per class), NC2 (norm CVs, cosine std, max-angle), NC3, NC4 from argmax(W h + b) vs the
nearest class mean, per-class recall and shot-group accuracy, minority-collapse indicators (tail = the 30 % of classes
with the fewest training samples), full C x C cosine matrices of W and of the centred means.

Timing: the median over repeats of the whole computation (files loaded once, before). Peak memory: VmHWM after the
first repeat minus VmRSS before it, with the high-water mark reset through /proc/self/clear_refs, as metricsChild.ts.

    /usr/bin/python3 scripts/bench/numpy_metrics.py --dir DIR --repeats 3
"""
import argparse
import json
import os
import statistics
import time

import numpy as np

FLOAT32_EPSILON = 2.0 ** -23
TAIL_FRACTION = 0.3


def status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def pairwise(matrix, classes):
    """Entries (i, j), i < j, of matrix restricted to classes."""
    sub = matrix[np.ix_(classes, classes)]
    upper = np.triu_indices(len(classes), k=1)
    return sub[upper]


def cosine_matrix(rows):
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit @ unit.T


def evaluate(H, y, W, b, train_counts):
    N, d = H.shape
    C = W.shape[0]
    counts = np.bincount(y, minlength=C).astype(np.float64)

    # Class means and the mean of class means (every class has samples in these data sets).
    sums = np.zeros((C, d))
    np.add.at(sums, y, H)
    means = sums / counts[:, None]
    global_mean = means.mean(axis=0)
    M = means - global_mean  # C x d, rows mu_c - mu_G

    # Sigma_W = (1/N) sum_i (h_i - mu_y)(h_i - mu_y)^T; Sigma_B = (1/C) M^T M.
    centred = H - means[y]
    sigma_w = centred.T @ centred / N
    sigma_b = M.T @ M / C
    # pinv with the cut-off the trainer uses on the singular values of M (rtol = max(C, d) * eps_float32); on
    # Sigma_B, whose eigenvalues are sigma_k^2 / C, that is rtol^2 relative to the largest.
    rtol = max(C, d) * FLOAT32_EPSILON
    sigma_b_pinv = np.linalg.pinv(sigma_b, rcond=rtol ** 2)

    # NC1 = tr(Sigma_W Sigma_B^+)/C; per class tr(Sigma_W^(c) Sigma_B^+) from each sample's quadratic form.
    quadratic = np.einsum("ij,ij->i", centred @ sigma_b_pinv, centred)
    nc1_per_class = np.bincount(y, weights=quadratic, minlength=C) / counts
    nc1 = np.trace(sigma_w @ sigma_b_pinv) / C

    # NC2: equinorm and equiangularity of the centred means and of the classifier rows.
    classes = np.arange(C)
    etf = -1.0 / (C - 1)
    mean_norms = np.linalg.norm(M, axis=1)
    w_norms = np.linalg.norm(W.astype(np.float64), axis=1)
    mean_cos = cosine_matrix(M)
    w_cos = cosine_matrix(W.astype(np.float64))
    mean_pairs = pairwise(mean_cos, classes)
    w_pairs = pairwise(w_cos, classes)
    nc2 = {
        "classMeanNormCv": mean_norms.std() / mean_norms.mean(),
        "classifierNormCv": w_norms.std() / w_norms.mean(),
        "classMeanCosineStd": mean_pairs.std(),
        "classifierCosineStd": w_pairs.std(),
        "classMeanMaxAngle": np.abs(mean_pairs - etf).mean(),
        "classifierMaxAngle": np.abs(w_pairs - etf).mean(),
    }

    # NC3 = || W^T/||W||_F - M/||M||_F ||_F^2.
    W64 = W.astype(np.float64)
    nc3 = np.sum((W64 / np.linalg.norm(W64) - M / np.linalg.norm(M)) ** 2)

    # NC4: network prediction vs nearest class mean (argmin ||h - mu_c||^2 = argmin ||mu_c||^2 - 2 h.mu_c).
    predictions = np.argmax(H @ W.T + b, axis=1)
    nearest = np.argmin((means ** 2).sum(axis=1)[None, :] - 2.0 * (H @ means.T), axis=1)
    mismatch = predictions != nearest
    nc4 = mismatch.mean()
    nc4_per_class = np.bincount(y, weights=mismatch, minlength=C) / counts

    # Recall, accuracy, shot groups (Many > 100, Medium 20-100, Few < 20 training samples).
    correct = predictions == y
    recall = np.bincount(y, weights=correct, minlength=C) / counts
    groups = {"many": train_counts > 100, "medium": (train_counts >= 20) & (train_counts <= 100), "few": train_counts < 20}
    shot_accuracy = {name: (recall[mask].mean() if mask.any() else None) for name, mask in groups.items()}

    # Minority collapse: tail = the 30 % of classes with the fewest training samples (ties: higher index first).
    size = max(1, min(C - 1, int(round(TAIL_FRACTION * C))))
    order = sorted(range(C), key=lambda c: (train_counts[c], -c))
    tail = np.array(sorted(order[:size]))
    head = np.setdiff1d(classes, tail)
    log_counts = np.log(train_counts.astype(np.float64))
    minority = {
        "tailClassifierCosine": pairwise(w_cos, tail).mean(),
        "headClassifierCosine": pairwise(w_cos, head).mean(),
        "tailToHeadClassifierNormRatio": w_norms[tail].mean() / w_norms[head].mean(),
        "classifierNormSlope": np.polyfit(log_counts, w_norms, 1)[0],
        "tailClassMeanCosine": pairwise(mean_cos, tail).mean(),
        "headClassMeanCosine": pairwise(mean_cos, head).mean(),
        "classMeanNormSlope": np.polyfit(log_counts, mean_norms, 1)[0],
    }
    self_duality = np.einsum("ij,ij->i", W64, M) / (w_norms * mean_norms)

    return {
        "nc1": nc1,
        "nc1PerClassMean": nc1_per_class.mean(),
        "withinClassVariance": np.trace(sigma_w),
        "betweenClassVariance": np.trace(sigma_b),
        **{"nc2." + key: value for key, value in nc2.items()},
        "nc3": nc3,
        "nc4": nc4,
        "nc4PerClassMean": nc4_per_class.mean(),
        "accuracy": correct.mean(),
        "recallMean": recall.mean(),
        "shotFew": shot_accuracy["few"],
        **{"minority." + key: value for key, value in minority.items()},
        "selfDualityMean": self_duality.mean(),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    load = lambda name: np.load(os.path.join(args.dir, name + ".npy"))
    H, y, W, b, train_counts = load("features"), load("labels").astype(np.int64), load("weights"), load("bias"), load("trainCounts")

    times, peak_mib, values = [], None, None
    for repeat in range(args.repeats):
        reset = reset_peak()
        before = status_kib("VmRSS")
        start = time.perf_counter()
        values = evaluate(H, y, W, b, train_counts)
        times.append((time.perf_counter() - start) * 1000)
        if repeat == 0:
            peak = status_kib("VmHWM")
            peak_mib = max(0, peak - before) / 1024 if reset and peak is not None and before is not None else None
    print("BENCH_RESULT " + json.dumps({
        "ms": statistics.median(times),
        "repeatsMs": times,
        "peakMiB": peak_mib,
        "values": {key: (None if value is None else float(value)) for key, value in values.items()},
        "threads": os.environ.get("OMP_NUM_THREADS", "default"),
        "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
