"""Turn the results into a terminal table, a JSON file, a Markdown report and a PNG plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.environment import blas_summary

# (which points, phase, what is compared, the bound): the targets, checked in every report.  "every" takes the worst
# point of the grid; "gemm" the points whose batch and width are both 1024 or more (bound by the matrix products).
TARGETS = [
    ("every", "step", "scratch/torch", 0.75),
    ("32x64", "step", "scratch/torch", 0.35),
    ("every", "step", "scratch-fused/torch-fused", 1.0),
    ("32x2048", "step", "scratch-fused/torch-fused", 1.0),
    ("gemm", "step", "scratch ÷ matmul at peak", 1.1),
]
CLOCKS = {
    "wall": "wall time (perf_counter)",
    "cpu": "the process's CPU time (process_time), which other jobs on a shared machine do not inflate",
}
RATIO_COLUMNS = [
    ("forward", "scratch/torch", "fwd"),
    ("backward", "scratch/torch", "bwd"),
    ("sgd", "scratch/torch", "SGD"),
    ("adam", "scratch/torch", "Adam"),
    ("adam", "scratch-fused/torch-fused", "Adam fused"),
    ("step", "scratch/torch", "step"),
    ("step", "scratch-fused/torch-fused", "step fused"),
    ("step", "scratch/torch-compile", "step÷compile"),
    ("epoch", "scratch/torch", "epoch"),
]


def _label(point: dict[str, Any]) -> str:
    return f"{point['batch']}x{point['width']}"


def _ratio(point: dict[str, Any], phase: str, key: str) -> float | None:
    entry = point["phases"].get(phase, {})
    ratio = entry.get("ratio", {}).get(key)
    return None if ratio is None else ratio["median"]


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1e3:.3f}" if seconds < 0.01 else f"{seconds * 1e3:.1f}"


def _step_figures(point: dict[str, Any]) -> dict[str, Any]:
    step = point["phases"].get("step", {})
    timings = step.get("timings", {})
    over = step.get("time_over_matmul_at_peak", {})
    return {
        "scratch_s": timings.get("scratch", {}).get("median_s"),
        "torch_s": timings.get("torch", {}).get("median_s"),
        "scratch_over_peak": over.get("scratch"),
        "torch_over_peak": over.get("torch"),
    }


def table_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The main table: per point, scratch/torch per phase, then the full step in ms and against the peak."""
    header = ["batch×width", *[c[2] for c in RATIO_COLUMNS], "step ms scratch", "step ms torch"]
    header += ["scratch÷peak", "torch÷peak"]
    rows = []
    for point in results["points"]:
        step = _step_figures(point)
        row = [_label(point), *[_fmt(_ratio(point, phase, key)) for phase, key, _ in RATIO_COLUMNS]]
        row += [_ms(step["scratch_s"]), _ms(step["torch_s"])]
        row += [_fmt(step["scratch_over_peak"]), _fmt(step["torch_over_peak"])]
        rows.append(row)
    return header, rows


def _selected(results: dict[str, Any], which: str) -> list[dict[str, Any]]:
    if which == "every":
        return results["points"]
    if which == "gemm":
        return [p for p in results["points"] if p["batch"] >= 1024 and p["width"] >= 1024]
    return [p for p in results["points"] if _label(p) == which]


def _value(point: dict[str, Any], phase: str, what: str) -> float | None:
    if "/" in what:
        return _ratio(point, phase, what)
    return point["phases"].get(phase, {}).get("time_over_matmul_at_peak", {}).get("scratch")


def target_rows(results: dict[str, Any]) -> list[list[str]]:
    """One row per target: the worst of the points it covers, and where that was."""
    rows = []
    for which, phase, what, bound in TARGETS:
        measured = [(v, _label(p)) for p in _selected(results, which) if (v := _value(p, phase, what)) is not None]
        scope = {"every": "every point", "gemm": "batch, width ≥ 1024"}.get(which, which)
        if not measured:
            rows.append([scope, what, f"≤ {bound}", "not measured", "–"])
            continue
        value, where = max(measured)
        verdict = "met" if value <= bound else f"not met: {value / bound:.2f}× the bound"
        at = f" (at {where})" if which in ("every", "gemm") else ""
        rows.append([scope, what, f"≤ {bound}", f"{_fmt(value)}{at}", verdict])
    return rows


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    line = "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))
    body = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join([line, "-" * len(line), *body])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def terminal_summary(results: dict[str, Any]) -> str:
    header, rows = table_rows(results)
    peak = results["peak_gemm"]
    out = [
        f"ratio = median over interleaved rounds of scratch time / torch time (< 1: scratch is faster); "
        f"{results['config']['dtype']}, {results['config']['threads']} thread(s), {results['config']['clock']} clock",
        text_table(header, rows),
        f"peak GEMM: {peak['peak_gflops']:.1f} GFLOP/s ({peak['best']}, n={peak['n']}); "
        "÷peak = step time / time of its matrix products at that peak",
        "",
        text_table(["point", "compared", "target", "measured", "verdict"], target_rows(results)),
    ]
    return "\n".join(out)


def environment_lines(env: dict[str, Any]) -> list[str]:
    lines = [
        f"- CPU: {env['cpu']} ({env['logical_cpus']} logical CPUs; flags {', '.join(env['cpu_flags'])}); "
        f"load average at start {', '.join(f'{x:.2f}' for x in env['load_average'] or [])}",
        f"- Python {env['python']}, NumPy {env['numpy']}, torch {env['torch']} "
        f"(CPU capability {env['torch_cpu_capability']}); {env['platform']}",
        f"- threads: {env['threads']['requested']} for NumPy's BLAS (threadpoolctl) and for torch "
        f"(torch.set_num_threads → {env['threads']['torch']})",
        "- BLAS and OpenMP libraries in the process (threadpoolctl):",
        *[f"  - {line}" for line in blas_summary(env["threadpool_info"])],
        "- torch build: " + "; ".join(env["torch_config_summary"]),
        f"- OPENBLAS_* variables in the benchmark's process: {env['openblas_env'] or 'none'}",
    ]
    if env["openblas_env_unset"]:
        lines.append(
            f"- unset by the benchmark before NumPy was loaded (so OpenBLAS chooses its kernel from the CPU): "
            f"{env['openblas_env_unset']}"
        )
    lines.append(f"- GPU: {env['cuda'] or 'none'}; CuPy: {env['cupy'] or 'not installed'}")
    lines.append(f"- commit {env['git_commit']}, {env['date']}")
    return lines


def _detail_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for point in results["points"]:
        for phase, entry in point["phases"].items():
            if "skipped" in entry:
                rows.append([_label(point), phase, "skipped: " + entry["skipped"], "", "", "", ""])
                continue
            for name, t in entry["timings"].items():
                over = entry.get("time_over_matmul_at_peak", {}).get(name)
                compile_s = entry.get("compile_s", {}).get(name)
                extra = f"compile {compile_s:.1f} s" if compile_s else ""
                other = _ms(t.get("other_clock_median_s"))
                rows.append(
                    [_label(point), phase, name, f"{_ms(t['median_s'])} ({_ms(t['iqr_s'])})", other, _fmt(over), extra]
                )
    return rows


def markdown(results: dict[str, Any], command: str) -> str:
    cfg, env, peak = results["config"], results["environment"], results["peak_gemm"]
    other_clock = "wall" if cfg["clock"] == "cpu" else "cpu"
    header, rows = table_rows(results)
    parts = [
        "# Benchmarks: scratch (NumPy) vs torch",
        "",
        f"Command: `{command}` — {results['wall_s']:.0f} s. Grid: batch {cfg['batches']} × width {cfg['widths']}, "
        f"{cfg['depth']} hidden layers, 10 classes, {cfg['dtype']}, {cfg['threads']} thread(s) on each side; "
        f"up to {cfg['rounds']} interleaved rounds per phase (median; IQR in the detail table). "
        f"Clock: {CLOCKS[cfg['clock']]}.",
        "",
        "## Environment",
        "",
        *environment_lines(env),
        "",
        f"Peak GEMM ({peak['n']}×{peak['n']}, {peak['dtype']}): "
        + ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in peak["gflops"].items())
        + f"; the peak used below is {peak['peak_gflops']:.1f} ({peak['best']}).",
        "",
        "## Ratio scratch / torch (median of per-round ratios; < 1 means scratch is faster)",
        "",
        markdown_table(header, rows),
        "",
        "`fused` compares scratch's `Adam(fused=True)` with torch's `Adam(fused=True)`; `÷compile` compares scratch's "
        "default step with `torch.compile`d torch (fused Adam); `÷peak` is the full step's time divided by the time "
        "its matrix products (forward 2·B·in·out per layer, backward twice that less the first layer's input "
        "gradient) would take at the peak GEMM rate.",
        "",
        "## Targets",
        "",
        markdown_table(["point", "compared", "target", "measured", "verdict"], target_rows(results)),
        "",
        "## Contenders not run",
        "",
        *[f"- {name}: {why}" for name, why in results["skipped_contenders"].items()],
        "",
        "## Every timing (median ms per call, IQR in brackets; the other clock's median beside it; ÷peak as above)",
        "",
        markdown_table(
            ["point", "phase", "contender", "median (IQR) ms", f"{other_clock} clock ms", "÷peak", ""],
            _detail_rows(results),
        ),
        "",
    ]
    return "\n".join(parts)


def write_json(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=1, default=str) + "\n")
