"""`reglo letter --evaluate` on a realistic lettered ledger: precision per rule and per score band
(issue 13: « so an accountant can pick the threshold »)."""
from __future__ import annotations

import re

import pytest

from reglo.addin.entrypoints.cli import main
from reglo.core.fec import read_fec, write_fec
from reglo.core.lettering import RULE_LABELS, LetteringOptions, Rule
from reglo.core.lettering.evaluate import SCORE_BANDS, evaluate_lettering
from tests.lettering_bench.generator import REPORT_SEEDS, generate


@pytest.fixture(scope="module")
def bench():
    return generate(REPORT_SEEDS[0], 60)


@pytest.fixture(scope="module")
def evaluation(bench):
    return evaluate_lettering(bench.frame, LetteringOptions())


def test_bands_cover_every_complete_proposal_once(evaluation):
    ev, proposal = evaluation
    complete = [g for g in proposal.groups if not g.partial]
    assert sum(b.groups for b in ev.per_band) == len(complete)
    assert sum(b.applied for b in ev.per_band) == sum(not g.ambiguous for g in complete)
    assert [(b.low, b.high) for b in ev.per_band] == list(SCORE_BANDS)
    # the automatic threshold sits where the bands become precise: applied groups are in high bands
    for b in ev.per_band:
        assert b.correct_pairs <= b.pairs and b.exact_groups <= b.groups
    high = [b for b in ev.per_band if b.low >= 90 and b.pairs]
    assert high and all(b.pair_precision >= 0.98 for b in high)


def test_rules_add_up_to_the_applied_groups(evaluation):
    ev, _ = evaluation
    assert sum(s.groups for s in ev.per_rule) == ev.proposed_groups
    assert sum(s.correct_pairs for s in ev.per_rule) == ev.correct_pairs
    assert ev.pair_precision >= 0.99


def test_cli_prints_rules_and_bands(tmp_path, capsys, bench):
    path = tmp_path / "552100554FEC20251231.txt"
    path.write_bytes(write_fec(bench.frame))
    ev, _ = evaluate_lettering(read_fec(path.read_bytes(), path.name).frame, LetteringOptions())  # what the command reads
    assert main(["letter", str(path), "--evaluate"]) == 0
    out = capsys.readouterr().out
    assert "par règle :" in out and "par tranche de score" in out
    for s in ev.per_rule:
        if s.groups:
            assert re.search(rf"{re.escape(RULE_LABELS[Rule(s.rule)])}\s+{s.groups} groupe\(s\)", out), s.rule
    band_lines = [ln for ln in out.splitlines() if ln.strip().startswith("score ")]
    assert len(band_lines) == sum(1 for b in ev.per_band if b.groups)
    for b, ln in zip([b for b in ev.per_band if b.groups], band_lines):
        assert f"{b.groups} groupe(s) dont {b.applied} appliqué(s)" in ln
        assert "paires justes" in ln
