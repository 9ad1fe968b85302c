"""Merge benchmarks/results/*.json into the published table (docs/benchmarks.md).

    python benchmarks/report.py
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main():
    res = json.loads((HERE / "results" / "bench_fastai2.json").read_text())
    v1 = {p.stem.split("_")[-1]: json.loads(p.read_text()) for p in sorted((HERE / "results").glob("bench_v1_*.json"))}
    m, v = res["machine"], res["versions"]
    lines = ["# Benchmarks", "",
             f"Measured {res['date']} on this project's machine: {m['cpu_count']} CPU cores ({m['processor']}), "
             f"no GPU, torch threads {m['torch_threads']}; fastai {v['fastai']}, torch {v['torch']}, Python {v['python']}. "
             f"Median of {res['reps']} repetitions after a warm-up; resnet18, {res['size']}x{res['size']} images, "
             f"batch size {res['bs']}, 12 classes x 16 generated images. Re-run: "
             "`tox -e bench,bench_v1_0_61,bench_v1_0_48 && python benchmarks/report.py`.", "",
             "## The package against native fastai 2 (same work, same run)", "",
             "| measurement | fastai_freeze_compat | native fastai 2 | ratio | target | met |",
             "|---|---|---|---|---|---|"]
    for name, r in res["rows"].items():
        unit = "MiB" if "RSS" in name else "s"
        fmt = (lambda x: f"{x:.1f} {unit}") if unit == "MiB" else (lambda x: f"{x * 1000:.1f} ms")
        met = "" if r["target"] is None else ("yes" if r["ratio"] <= r["target"] else "**no**")
        lines.append(f"| {name.split(' (')[0]} | {fmt(r['ours'])} | {fmt(r['native'])} | {r['ratio']:.3f} | "
                     + (f"<= {r['target']}" if r["target"] else "-") + f" | {met} |")
    if v1:
        lines += ["", "## Against real fastai v1 (same work, each on its own stack)", "",
                  "| measurement | package on fastai " + v["fastai"] + " | " +
                  " | ".join(f"fastai {k} (torch {d['versions']['torch'].split('+')[0]}, Python {d['versions']['python']})"
                             for k, d in v1.items()) + " |",
                  "|---|---|" + "---|" * len(v1)]
        for name in next(iter(v1.values()))["rows"]:
            ours = res["rows"].get(name, {}).get("ours")
            cells = [f"{d['rows'][name] * 1000:.1f} ms ({d['rows'][name] / ours:.2f}x)" if ours else
                     f"{d['rows'][name] * 1000:.1f} ms" for d in v1.values()]
            lines.append(f"| {name.split(' (')[0]} | " + (f"{ours * 1000:.1f} ms" if ours else "-") + " | "
                         + " | ".join(cells) + " |")
        lines += ["", "(`Nx`: fastai v1's time divided by the package's; above 1 the package is faster.)"]
    notes = (HERE / "notes.md").read_text() if (HERE / "notes.md").exists() else ""
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text("\n".join(lines) + "\n" + notes)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
