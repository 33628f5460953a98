"""`scrisk scenario run --sampler`: both samplers run and agree in distribution."""

from __future__ import annotations

import json

from cli_runner import run_cli

from scrisk.data.load import shipped_data_path

SCENARIO = str(shipped_data_path().parent / "scenarios" / "combined_risks.toml")


def _prob_loss(monkeypatch, capsys, sampler: str) -> dict:
    code, out, err = run_cli(monkeypatch, capsys, "scenario", "run", SCENARIO, "--runs", "4000",
                             "--seed", "3", "--sampler", sampler, "--view", "supply",
                             "--format", "json")
    assert code == 0, err
    return {(r["commodity"], r["stage"]): r["prob_loss"] for r in json.loads(out)}


def test_sparse_sampler_matches_the_uniform_one_in_distribution(monkeypatch, capsys):
    uniform = _prob_loss(monkeypatch, capsys, "uniform")
    sparse = _prob_loss(monkeypatch, capsys, "sparse")
    assert uniform.keys() == sparse.keys()
    # 4,000 runs: a share's standard error is at most 0.008; allow about four of them
    assert all(abs(uniform[k] - sparse[k]) < 0.035 for k in uniform)
    assert any(0 < v < 1 for v in uniform.values())


def test_unknown_sampler_is_a_usage_error(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "scenario", "run", SCENARIO, "--runs", "10",
                             "--sampler", "bogus")
    assert code == 2
    assert "--sampler" in err and "bogus" in err and "Traceback" not in err
