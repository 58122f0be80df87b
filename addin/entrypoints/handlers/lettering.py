"""Ribbon group « Lettrage »: Proposer le lettrage, Appliquer le lettrage, Délettrer.
Plain functions of a workbook (see addin/handlers); the rules live in ``reglo.core.lettering``."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from reglo.addin.entrypoints.handlers import HandlerResult, handler
from reglo.addin.backends.sheets import as_workbook

GROUP = "Lettrage"


def _result(outcome: Any) -> HandlerResult:
    return HandlerResult(summary="\n".join(outcome.summary), alerts=list(outcome.alerts), outputs=list(outcome.outputs))


@handler("lettering_propose", label="Proposer le lettrage", group=GROUP, image="FindDialog", order=10, browser=True)
def lettering_propose(book: Any, *, fec: str | Path | None = None, options: Any = None) -> HandlerResult:
    """Propose letterings for the dossier's FEC in the sheet « Propositions de lettrage ».

    In the browser (xlwings Lite), or when no FEC is found beside a workbook that holds a
    ledger sheet « Écritures », the proposals are made from that sheet (no file needed)."""
    from reglo.addin.entrypoints.ribbon import in_browser
    from reglo.addin.shell.errors import UserError
    from reglo.addin.shell.lettering import PARAMS_SHEET, fec_for_book, ledger_sheet, options_from_rows, propose_from_sheet, propose_to_book
    from reglo.core.lettering import LetteringOptions

    wb = as_workbook(book)
    if options is None and PARAMS_SHEET in wb.sheet_names():  # the parameters of the last proposal (editable)
        options, stored = options_from_rows(wb.read_values(PARAMS_SHEET)[1:])
        fec = fec or (stored if stored and Path(stored).suffix.lower() == ".txt" else None)
    options = options or LetteringOptions()
    sheet = ledger_sheet(wb)
    if in_browser() and fec is None:
        outcome = propose_from_sheet(wb, options)
    else:
        try:
            path = fec_for_book(book, fec)
        except UserError:
            if sheet is None or fec is not None:
                raise
            path = None
        outcome = propose_from_sheet(wb, options, sheet) if path is None else propose_to_book(wb, path, options)
    outcome.summary.append("Vérifiez la feuille « Propositions de lettrage » (« Non » pour refuser), puis « Appliquer le lettrage ».")
    return _result(outcome)


@handler("lettering_apply", label="Appliquer le lettrage", group=GROUP, image="AcceptInvitation", order=20)
def lettering_apply(book: Any, *, fec: str | Path | None = None, now: datetime | None = None, lettered_on: date | None = None) -> HandlerResult:
    """Write the accepted proposals to the FEC and the sheet; the run is recorded for « Délettrer »."""
    from reglo.addin.shell.lettering import apply_from_book

    wb = as_workbook(book)
    outcome = apply_from_book(wb, fec_path=fec, now=now or datetime.now().replace(microsecond=0), lettered_on=lettered_on)
    return _result(outcome)


@handler("lettering_undo", label="Délettrer", group=GROUP, image="Undo", order=30)
def lettering_undo(book: Any, *, fec: str | Path | None = None, code: str | None = None, account: str | None = None,
                   run_id: str | None = None) -> HandlerResult:
    """Undo a code and/or an account typed in the « Délettrer : code / compte » cells of
    « Propositions de lettrage », else the last « Appliquer » (or the code / account / run given
    as arguments): the lines get back exactly the letters they had, and the write-off lines
    the run added are removed."""
    from reglo.addin.shell.lettering import PARAMS_SHEET, fec_for_book, options_from_rows, undo_from_book, undo_on_file

    wb = as_workbook(book)
    target = fec
    if target is None and PARAMS_SHEET in wb.sheet_names():
        _, stored = options_from_rows(wb.read_values(PARAMS_SHEET)[1:])
        target = stored
    path = fec_for_book(book, target)
    if code is None and account is None and run_id is None:
        outcome = undo_from_book(wb, path)
        return _result(outcome)
    return _result(undo_on_file(path, code=code, account=account, run_id=run_id))
