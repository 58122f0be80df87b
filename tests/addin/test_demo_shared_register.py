"""The demo writes, resets and deletes its register as a local SQLite file: it never touches a
shared server. With ``REGLO_REGISTER_URL`` set, or in a folder that points to a shared
register, it refuses in French before creating, resetting or deleting anything."""
from __future__ import annotations

import types

from reglo.addin.entrypoints.cli import main


def _fake_steps(monkeypatch, ran):
    import reglo.addin.entrypoints.demo_steps as pkg

    module = types.SimpleNamespace(__name__="reglo.addin.entrypoints.demo_steps.s00", ORDER=0, run=lambda ctx: ran.append(1) or ["ok"], TITLE="s00")
    monkeypatch.setattr(pkg, "steps", lambda: [module])


def test_demo_refuses_when_a_shared_register_is_configured(monkeypatch, tmp_path, capsys):
    ran: list[int] = []
    _fake_steps(monkeypatch, ran)
    monkeypatch.setenv("REGLO_REGISTER_URL", "postgresql://reglo:secret@serveur.cabinet.local/reglo")
    out = tmp_path / "D"
    assert main(["demo", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : ") and "REGLO_REGISTER_URL" in err and "registre partagé" in err
    assert "secret" not in err and "Traceback" not in err
    assert ran == [] and not out.exists()  # nothing created


def test_demo_refuses_to_reset_a_previous_run_when_a_shared_register_is_configured(monkeypatch, tmp_path, capsys):
    ran: list[int] = []
    _fake_steps(monkeypatch, ran)
    out = tmp_path / "D"
    assert main(["demo", "--out", str(out)]) == 0 and ran == [1]
    (out / "reglo-registre.sqlite").write_text("registre de la démo")
    capsys.readouterr()
    monkeypatch.setenv("REGLO_REGISTER_URL", "postgresql://serveur/reglo")
    assert main(["demo", "--out", str(out)]) == 2
    assert "registre partagé" in capsys.readouterr().err and ran == [1]
    monkeypatch.setenv("REGLO_REGISTER_URL", "  ")  # blank: not configured
    assert main(["demo", "--out", str(out)]) == 0 and ran == [1, 1]


def test_demo_refuses_a_folder_that_points_to_a_shared_register(monkeypatch, tmp_path, capsys):
    ran: list[int] = []
    _fake_steps(monkeypatch, ran)
    monkeypatch.delenv("REGLO_REGISTER_URL", raising=False)
    out = tmp_path / "D"
    out.mkdir()
    (out / "reglo-registre.json").write_text('{"backend": "postgresql", "dossier_id": "CLIENT1"}', encoding="utf-8")
    assert main(["demo", "--out", str(out)]) == 2
    assert "reglo-registre.json" in capsys.readouterr().err and ran == []
    assert (out / "reglo-registre.json").exists()
