"""``reglo demo``: every step runs, files are written, exit codes follow the contract."""
from __future__ import annotations

import re
import types

import pytest

from reglo.addin.entrypoints.cli import main
from reglo.addin.shell.dossier import DOSSIER_FILE, load_dossier
from reglo.core.alerts import Severity
from reglo.core.fec import read_fec


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    import contextlib
    import io

    out = tmp_path_factory.mktemp("demo") / "D"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["demo", "--out", str(out)])
    return code, out, buf.getvalue()


def test_demo_exits_0_and_writes_the_dossier(demo_run):
    code, out, text = demo_run
    assert code == 0, text
    assert (out / DOSSIER_FILE).exists()
    fec = list(out.glob("*FEC20251231.txt"))
    assert len(fec) == 1
    ledger = read_fec(fec[0].read_bytes(), fec[0].name)
    assert not [a for a in ledger.alerts if a.severity == Severity.BLOCKING]
    assert load_dossier(out).alerts == []
    lines = text.splitlines()
    assert lines[0].startswith("Reglo — dossier de démonstration")
    assert any("30 clients, 40 fournisseurs" in l for l in lines)
    assert lines[-1] == "Résultat : aucune alerte bloquante."


def test_demo_is_reproducible(demo_run, tmp_path):
    _, out, _ = demo_run
    from reglo.addin.entrypoints.demo_steps import DemoContext
    from reglo.addin.entrypoints.demo_steps import s00_dossier

    ctx = DemoContext(out_dir=tmp_path)
    lines = s00_dossier.run(ctx)
    first = next(p for p in out.glob("*FEC*.txt") if re.fullmatch(r"\d{9}FEC\d{8}\.txt", p.name)).read_bytes()  # not the lettered copy nor an entries file
    assert ctx.fec_path.read_bytes() == first
    assert ctx.dossier_path == tmp_path / DOSSIER_FILE and ctx.register_path.name == "reglo-registre.sqlite"
    assert ctx.data["demo"].dossier.company.siren in ctx.fec_path.name
    assert ctx.blocking == 0 and lines[-1].endswith("aucune alerte")


def _fake_steps(monkeypatch, modules):
    import reglo.addin.entrypoints.demo_steps as pkg

    monkeypatch.setattr(pkg, "steps", lambda: modules)


def _module(name, order, run):
    return types.SimpleNamespace(__name__=f"reglo.addin.entrypoints.demo_steps.{name}", ORDER=order, run=run, TITLE=name)


def test_a_failing_step_is_reported_and_the_others_still_run(monkeypatch, tmp_path, capsys):
    ran = []

    def boom(ctx):
        raise RuntimeError("panne simulée")

    _fake_steps(monkeypatch, [_module("s00", 0, lambda ctx: ran.append(0) or ["ok 0"]), _module("s10", 10, boom), _module("s20", 20, lambda ctx: ran.append(20) or ["ok 20"])])
    code = main(["demo", "--out", str(tmp_path / "D")])
    text = capsys.readouterr().out
    assert code == 1 and ran == [0, 20]
    assert "Étape « s10 » en échec : Erreur inattendue" in text and "RuntimeError" not in text and "ok 20" in text


def test_blocking_alerts_give_exit_1(monkeypatch, tmp_path):
    def blocking(ctx):
        ctx.blocking += 2
        return ["2 alertes"]

    _fake_steps(monkeypatch, [_module("s00", 0, lambda ctx: []), _module("s10", 10, blocking)])
    assert main(["demo", "--out", str(tmp_path / "D")]) == 1


def test_dossier_step_failure_gives_exit_2(monkeypatch, tmp_path, capsys):
    def boom(ctx):
        raise OSError("disque plein")

    ran = []
    _fake_steps(monkeypatch, [_module("s00", 0, boom), _module("s10", 10, lambda ctx: ran.append(1) or [])])
    assert main(["demo", "--out", str(tmp_path / "D")]) == 2
    assert ran == [] and "en échec" in capsys.readouterr().out


def test_out_that_is_a_file_is_unusable_input(tmp_path, capsys):
    target = tmp_path / "fichier"
    target.write_text("x")
    assert main(["demo", "--out", str(target)]) == 2
    assert "n'est pas un dossier" in capsys.readouterr().err
