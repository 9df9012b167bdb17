"""scripts/bench's own logic (no PostgreSQL): the line every figure prints, how a write's lag
is reckoned from the watcher's observations, and which figures a command line asks for."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from scripts import bench
from scripts.bench import FIGURES, lags, line, parse_args


def test_a_figure_line_names_its_ratio_baseline_and_goal() -> None:
    text = line("writes.lib", 912.4, "commands/s", 0.4561, "writes.raw", ">= 0.45", "[1 thread]")
    assert text == (
        "writes.lib 912 commands/s (ratio vs writes.raw = 0.46, goal >= 0.45) [1 thread]"
    )


def test_a_baseline_line_says_so_and_small_values_keep_a_decimal() -> None:
    assert (
        line("writes.raw", 2_204.6, "rows/s", None, "", "") == "writes.raw 2,205 rows/s (baseline)"
    )
    assert (
        line("lag.x", 7.25, "ms", 1.5, "b", "<= 2") == "lag.x 7.2 ms (ratio vs b = 1.50, goal <= 2)"
    )


def test_a_write_lags_until_the_first_observation_at_or_past_its_position() -> None:
    seen = [(0.000, 10), (0.100, 12), (0.250, 15)]  # (time, the model's position)
    acks = [(0.050, 11), (0.120, 12), (0.200, 14), (0.260, 16)]  # (answered, position)
    found, unseen = lags(seen, acks)
    assert [round(ms) for ms in found] == [50, 0, 50]  # 12 was there already at 0.12: 0
    assert unseen == 1  # 16 never observed


def test_no_figure_named_runs_them_all_in_order() -> None:
    args = parse_args([])
    assert args.figures == list(FIGURES)
    assert args.events == 200_000 and not args.quick


def test_named_figures_and_their_parts_run_once_each_in_run_order() -> None:
    args = parse_args(["reads", "writes.lib", "writes.peak", "rebuild.mem", "--quick"])
    assert args.figures == ["rebuild", "writes", "reads"]
    assert args.events == 20_000


def test_an_unknown_figure_or_a_quick_record_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["writes", "nonsense"])
    assert "nonsense" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--quick", "--record"])
    assert "--record" in capsys.readouterr().err


def test_record_appends_a_dated_section_with_the_machine_the_command_and_the_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bench").mkdir()
    results = tmp_path / "bench" / "RESULTS.md"
    results.write_text("# Benchmark results\n", encoding="utf-8")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    monkeypatch.setattr(bench, "server_version", lambda url: "15.20")
    bench.record(
        "postgresql://postgres@127.0.0.1:5432/test", ["writes", "--record"], ["a 1", "b 2"]
    )
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n\n## ")  # kept, then appended
    assert f"`nproc` = {os.cpu_count()}, PostgreSQL 15.20" in text
    assert "Command: `scripts/bench writes --record`" in text
    assert text.endswith("```\na 1\nb 2\n```\n")


def test_failed_requests_are_named_by_kind_most_frequent_first() -> None:
    assert bench._failed(Counter()) == ""
    assert bench._failed(Counter({"ReadError": 1, "503": 12})) == "; failed: 503 x12, ReadError x1"
