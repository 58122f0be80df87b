"""Ribbon group « Prélèvements »: the handlers are registered and run through the shell."""
from __future__ import annotations

from reglo.addin.entrypoints.handlers import load_all


def test_prelevements_group_buttons():
    handlers = {t: h for t, h in load_all().items() if h.group == "Prélèvements"}
    assert [h.label for h in sorted(handlers.values(), key=lambda h: h.order)] == [
        "Préparer", "Contrôler", "Aperçu", "Aperçu non affectés", "Générer", "Ne pas régler les clients sélectionnés",
        "Changer la banque dossier", "Retirer toutes les affectations"]


def test_generate_handler_on_a_dossier(tmp_path, monkeypatch):
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import debits as sd
    from reglo.addin.shell.dossier import write_dossier
    from tests.addin.test_debits_shell import strict
    from tests.core.debit_fixtures import NOW, default_ledger, dossier

    write_dossier(tmp_path / "d", strict(dossier()), default_ledger())
    monkeypatch.setattr(sd, "now", lambda: NOW)
    book = FileWorkbook(tmp_path / "d" / "p.xlsx", create=True)
    sd.ensure_workbook(book, {"Dossier": str(tmp_path / "d"), "Affectation des prélèvements": "Oui", "Banque dossier": "BQ1"})
    handlers = load_all()
    assert handlers["debits_prepare"].func(book).exit_code == 0
    res = handlers["debits_generate"].func(book)
    assert res.exit_code == 0 and any(o.endswith("Pre2308100930BQ1.xml") for o in res.outputs)
