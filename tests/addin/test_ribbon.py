"""The ribbon dispatcher through xlwings' remote engine: handlers run by tag, every failure
becomes a French message box (``alert`` action) plus a log line, never an exception."""
from __future__ import annotations

import logging

import pytest

from reglo.addin.entrypoints import ribbon
from reglo.addin.shell.errors import UserError
from reglo.addin.entrypoints.handlers import HANDLERS, HandlerInfo, HandlerResult, load_all
from reglo.core.alerts import alert
from tests.conftest import make_book

ROWS = [
    ["Date", "Compte", "Libellé", "Débit", "Crédit"],
    ["2025-03-31T00:00:00.000Z", "411DUPONT", "Facture F-2025-001", 1200.0, ""],
    ["2025-03-31T00:00:00.000Z", "", "Règlement sans compte", "", 1200.0],
]


def _highlight_missing_accounts(book):
    """A handler as the workflows write them: read values, colour, note, return a result."""
    sheet = book.sheets["Journal"]
    values = sheet["A1"].expand().value
    alerts = []
    for offset, row in enumerate(values[1:], start=2):
        if not row[1]:
            sheet[f"B{offset}"].color = "#FFC7CE"
            sheet[f"B{offset}"].add_note("Compte obligatoire")
            alerts.append(alert("INTERNAL_ERROR", sheet="Journal", row=offset, column="Compte",
                                action="test", detail="compte vide", log="-"))
    return HandlerResult(f"{len(values) - 1} lignes contrôlées", alerts)


def _boom(book):
    raise KeyError("colonne")


def _unusable(book):
    raise UserError("La feuille « Journal » est vide : collez l'export du journal en A1.")


def _not_a_result(book):
    return "ok"


@pytest.fixture
def test_handlers(monkeypatch):
    load_all()
    for tag, func in [("t_check", _highlight_missing_accounts), ("t_boom", _boom),
                      ("t_unusable", _unusable), ("t_wrong", _not_a_result)]:
        monkeypatch.setitem(HANDLERS, tag, HandlerInfo(tag, func, f"Test {tag}", "Contrôle"))
    yield


def _alerts(book):
    return [a for a in book.json()["actions"] if a["func"] == "alert"]


def test_dispatch_runs_handler_by_tag(test_handlers, caplog):
    book = make_book({"Journal": ROWS})
    with caplog.at_level(logging.INFO, logger="reglo"):
        result = ribbon.dispatch("t_check", book)
    assert result is not None and result.exit_code == 1
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["setRangeColor", "addNote", "alert"]
    assert actions[0]["args"] == ["#FFC7CE"] and (actions[0]["start_row"], actions[0]["start_column"]) == (2, 1)
    assert actions[1]["args"][0] == "$B$3"
    prompt, title, buttons, mode, _ = actions[2]["args"]
    assert title == "Reglo — Test t_check" and mode == "critical" and buttons == "ok"
    assert prompt.startswith("2 lignes contrôlées")
    assert "\n• feuille « Journal », ligne 3, colonne « Compte » : " in prompt
    assert any("t_check" in r.getMessage() for r in caplog.records)


def test_dispatch_uses_the_caller_workbook(test_handlers, monkeypatch):
    """RunPython gives the clicked workbook through ``xw.Book.caller()``."""
    import xlwings as xw

    book = make_book({"Journal": ROWS})
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    assert ribbon.dispatch("t_check") is not None
    assert _alerts(book)[0]["args"][3] == "critical"


def test_unknown_tag_is_a_french_alert(test_handlers, caplog):
    book = make_book({"Journal": ROWS})
    with caplog.at_level(logging.INFO, logger="reglo"):
        assert ribbon.dispatch("n_existe_pas", book) is None
    (box,) = _alerts(book)
    assert "« n_existe_pas »" in box["args"][0] and "reglo addin build" in box["args"][0]
    assert box["args"][3] == "critical"
    assert any(r.levelno == logging.ERROR and "n_existe_pas" in r.getMessage() for r in caplog.records)


def test_exception_is_a_french_alert_and_a_log_entry(test_handlers, caplog, tmp_path, monkeypatch):
    book = make_book({"Journal": ROWS})
    with caplog.at_level(logging.INFO, logger="reglo"):
        assert ribbon.dispatch("t_boom", book) is None
    (box,) = _alerts(book)
    message = box["args"][0]
    assert message.startswith("Test t_boom : Erreur inattendue de Reglo") and "KeyError" not in message
    assert "Traceback" not in box["args"][0] and "reglo.log" in box["args"][0]
    error = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert error.exc_info and error.exc_info[0] is KeyError  # the traceback goes to the log


def test_user_error_shows_its_message(test_handlers):
    book = make_book({"Journal": ROWS})
    assert ribbon.run("t_unusable", book) is None
    (box,) = _alerts(book)
    assert box["args"][0] == "La feuille « Journal » est vide : collez l'export du journal en A1."


def test_handler_returning_garbage_is_reported(test_handlers):
    book = make_book({"Journal": ROWS})
    assert ribbon.run("t_wrong", book) is None
    assert "Erreur inattendue" in _alerts(book)[0]["args"][0]


def test_broken_handler_module_is_reported(monkeypatch):
    import reglo.addin.entrypoints.ribbon as module

    def broken():
        raise ImportError("No module named 'truc'")

    monkeypatch.setattr(module, "load_all", broken)
    book = make_book({"Journal": ROWS})
    assert ribbon.run("t_check", book) is None
    assert "chargement des traitements" in _alerts(book)[0]["args"][0]


def test_no_caller_workbook_is_logged_not_raised(caplog):
    with caplog.at_level(logging.INFO, logger="reglo"):
        assert ribbon.dispatch("t_check") is None  # no Excel here: Book.caller() fails
    assert any("classeur appelant introuvable" in r.getMessage() for r in caplog.records)


def test_alert_failure_does_not_escape(test_handlers, caplog):
    class NoBoxApp:
        def alert(self, *args, **kwargs):
            raise RuntimeError("Excel occupé")

    class Book:
        app = NoBoxApp()
        sheets = make_book({"Journal": ROWS}).sheets

    with caplog.at_level(logging.INFO, logger="reglo"):
        assert ribbon.run("t_check", Book()) is not None
    assert any("impossible d'afficher" in r.getMessage() for r in caplog.records)


def test_summary_lists_at_most_five_alerts_and_outputs():
    alerts = [alert("INTERNAL_ERROR", sheet="S", row=i, action="a", detail="d", log="-") for i in range(2, 10)]
    text = ribbon.summary_message(HandlerResult("8 lignes", alerts, ["/tmp/virements.xml"]))
    assert text.count("• feuille") == 5 and "… et 3 autres alertes, signalées dans le classeur." in text and "/tmp/virements.xml" in text


def test_unknown_handler_code_is_catalogued():
    message = alert("UNKNOWN_HANDLER", tag="x", known=2).message
    assert "« x »" in message


@pytest.mark.parametrize("tag", sorted(load_all()))
def test_every_ribbon_button_answers_with_one_message_box(tag, tmp_path, monkeypatch):
    """Desktop path (``dispatch``) for every registered button, on its sample workbook
    (``tests/addin/samples.py``) or a workbook not meant for it: never a crash."""
    from tests.addin.samples import sample_book

    book, expect = sample_book(tag, tmp_path, monkeypatch)
    ribbon.dispatch(tag, book)
    actions = book.json()["actions"]
    boxes = _alerts(book)
    assert len(boxes) == 1 and boxes[0] is actions[-1]
    assert "Erreur interne" not in boxes[0]["args"][0]
    expect(actions, boxes[0]["args"][0])
