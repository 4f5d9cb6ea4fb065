"""Draws loom-bench's results as a PNG bar chart.

    chart.py RESULTS.json OUT.png

For every workload: the speed-up over NumPy (NumPy time / time, log scale)
of loom fused, loom eager, hand-written C and the roofline bound.  A
workload that loom could not run is labelled so; nothing is drawn for it.
Bars above CAP are drawn at CAP with their value written on them, so that
one huge ratio (NumPy's naive einsum) does not flatten the rest.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CAP = 300.0


def main(src, out):
    with open(src) as f:
        data = json.load(f)
    wls = [w for w in data["workloads"] if w.get("numpy_ms")]
    series = [("loom fused", "fused_ms", "#1f77b4"),
              ("loom eager", "eager_ms", "#aec7e8"),
              ("hand C", "hand_ms", "#ff7f0e"),
              ("roofline", "roofline_ms", "#2ca02c")]
    width = 0.2
    fig, ax = plt.subplots(figsize=(max(8, 0.65 * len(wls) + 2), 5.5))
    for s, (label, key, color) in enumerate(series):
        xs, ys = [], []
        for i, w in enumerate(wls):
            if w.get(key):
                x, y = i + (s - 1.5) * width, w["numpy_ms"] / w[key]
                xs.append(x)
                ys.append(min(y, CAP))
                if y > CAP:
                    ax.text(x, CAP, " %.0fx" % y, rotation=90, fontsize=6,
                            va="top", ha="center", color="white")
        ax.bar(xs, ys, width, label=label, color=color)
    for i, w in enumerate(wls):
        if not w.get("fused_ms"):
            ax.text(i - 1.5 * width, 1.0, "loom: not run", rotation=90,
                    fontsize=7, va="bottom", ha="center", color="#555")
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(wls)))
    ax.set_xticklabels([w["name"] for w in wls], rotation=35, ha="right")
    ax.set_ylabel("speed-up over NumPy (higher is better)")
    mode = " (--quick)" if data.get("quick") else ""
    ax.set_title("loom-bench%s: %s, %d threads; STREAM triad %.1f GB/s"
                 % (mode, data.get("cpu", "?"), data.get("threads", 0),
                    data.get("stream_triad_gbs") or 0), fontsize=10)
    ax.legend(fontsize=8, ncol=4)
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: chart.py RESULTS.json OUT.png")
    main(sys.argv[1], sys.argv[2])
