"""``python -m benchmarks --quick`` runs end to end and writes a complete report (its structure, never its speed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.contenders import Point
from benchmarks.timing import Task, measure, paired_ratio

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("bench")
    # whatever OPENBLAS_* variables the user's shell has, the run sees exactly this one (and must unset it)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    env |= {"OPENBLAS_CORETYPE": "Haswell", "MPLBACKEND": "Agg"}
    command = [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout


def test_quick_run_writes_every_output(quick_run: tuple[Path, str]) -> None:
    out, stdout = quick_run
    assert {p.name for p in out.iterdir()} >= {"results.json", "report.md", "plot.png"}
    assert (out / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "batch×width" in stdout
    assert "peak GEMM" in stdout


def test_json_holds_every_figure_and_its_environment(quick_run: tuple[Path, str]) -> None:
    results = json.loads((quick_run[0] / "results.json").read_text())
    env = results["environment"]
    assert env["threads"] == {"requested": 1, "torch": 1}
    assert env["threadpool_info"], "the BLAS in use must be recorded"
    assert any(lib["user_api"] == "blas" and lib["num_threads"] == 1 for lib in env["threadpool_info"])
    assert env["openblas_env_unset"] == {"OPENBLAS_CORETYPE": "Haswell"}
    assert "OPENBLAS_CORETYPE" not in env["openblas_env"]
    assert env["torch_config_summary"] and env["cpu"]
    assert results["peak_gemm"]["peak_gflops"] > 0
    assert "torch-cuda" in results["skipped_contenders"] or env["cuda"]
    assert [(p["batch"], p["width"]) for p in results["points"]] == [(32, 64), (32, 512), (256, 64), (256, 512)]
    for point in results["points"]:
        assert point["forward_max_rel_diff"] < 1e-4, "both sides must compute the same network"
        for phase, entry in point["phases"].items():
            if "skipped" in entry:
                continue
            assert {"scratch", "torch"} <= set(entry["timings"])
            assert entry["ratio"]["scratch/torch"]["median"] > 0
            for timing in entry["timings"].values():
                assert timing["rounds"] >= 5 and timing["q1_s"] <= timing["median_s"] <= timing["q3_s"]
            if phase == "step":
                assert "torch-fused" in entry["timings"]
                assert entry["time_over_matmul_at_peak"]["scratch"] > 0


def test_markdown_report_has_its_sections(quick_run: tuple[Path, str]) -> None:
    text = (quick_run[0] / "report.md").read_text()
    for heading in ("## Environment", "## Ratio scratch / torch", "## Targets", "## Every timing"):
        assert heading in text
    assert "OPENBLAS_CORETYPE" in text, "the unset variable must be reported"
    assert "| 32x64 |" in text


def test_matmul_flops_count_the_skipped_input_gradient() -> None:
    point = Point(batch=2, width=3, depth=1, classes=4)  # layers 3→3 and 3→4
    forward = 2 * 2 * (3 * 3 + 3 * 4)
    assert point.matmul_flops("forward") == forward
    assert point.matmul_flops("backward") == 2 * forward - 2 * 2 * 3 * 3
    assert point.matmul_flops("step") == 3 * forward - 2 * 2 * 3 * 3


def test_interleaved_timer_pairs_rounds() -> None:
    calls: list[str] = []
    tasks = [Task("a", lambda: calls.append("a")), Task("b", lambda: calls.append("b"), setup=lambda: None)]
    stats = measure(tasks, rounds=6, block_s=0.0, warmup=1)
    assert [len(s.samples) for s in stats.values()] == [6, 6]
    assert paired_ratio(stats["a"], stats["b"])["median"] > 0
    assert calls.count("a") == calls.count("b")
