"""Ribbon group « Règlements clients »: Modèle d'import, Contrôler, Importer,
Importer depuis la comptabilité. Plain functions of a workbook (see addin/handlers)."""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reglo.addin.shell.errors import UserError
from reglo.addin.entrypoints.handlers import HandlerResult, handler
from reglo.addin.backends.sheets import as_workbook, atomic_write

GROUP = "Règlements clients"


def locate_dossier(book: Any) -> "Any":
    """The dossier of the workbook: ``REGLO_DOSSIER``, else the workbook's folder when it
    holds ``dossier.xlsx``. Returns a ``PaymentsDossier``."""
    from reglo.addin.shell.payments import PaymentsDossier

    env = os.environ.get("REGLO_DOSSIER")
    candidates = [Path(env)] if env else []
    path = getattr(book, "path", None) or getattr(book, "fullname", None)
    if path:
        candidates.append(Path(str(path)).parent)
    for c in candidates:
        if (c.is_dir() and (c / "dossier.xlsx").exists()) or (c.is_file() and c.suffix.lower() == ".xlsx"):
            return PaymentsDossier.load(c)
    raise UserError("Dossier introuvable : enregistrez le classeur dans le dossier de la société (à côté de dossier.xlsx) ou indiquez-le dans REGLO_DOSSIER.")


def _result(run: Any) -> HandlerResult:
    return HandlerResult(summary="\n".join(run.summary), alerts=run.alerts, outputs=run.outputs)


@handler("payments_template", label="Modèle d'import", group=GROUP, image="FileNew", order=10)
def payments_template(book: Any = None, *, dossier: Any = None, folder: str | Path | None = None) -> HandlerResult:
    """Write a fresh copy of the template (banks of the dossier in the list) and open it."""
    from reglo.workbook_templates.payments import FILE_NAME, build_template

    banks: list[str] = []
    target_dir = Path(folder) if folder else None
    if dossier is None and book is not None:
        try:
            dossier = locate_dossier(book)
        except UserError:
            dossier = None
    if dossier is not None:
        banks = [b.journal_code for b in dossier.dossier.company.bank_accounts]
        target_dir = target_dir or dossier.folder
    where = "dossier de la société" if dossier is not None and not folder else ("dossier demandé" if folder else "")
    if target_dir is None:
        target_dir, where = fallback_folder(book)
    stem, suffix = Path(FILE_NAME).stem, Path(FILE_NAME).suffix
    path, n = target_dir / FILE_NAME, 1
    while path.exists():
        n += 1
        path = target_dir / f"{stem} ({n}){suffix}"
    atomic_write(path, build_template(banks))
    _open_in_excel(book, path)
    return HandlerResult(summary=f"Modèle d'import créé : {path.name} dans {path.parent} ({where}). Saisissez une ligne par facture réglée, puis « Contrôler ».", outputs=[str(path)])


def fallback_folder(book: Any) -> tuple[Path, str]:
    """Where the template goes without a dossier: the calling workbook's folder when it is
    saved, else the user's Documents (never the current directory: under Excel it can be
    Excel's program folder). Returns (folder, French description)."""
    path = getattr(book, "path", None) or getattr(book, "fullname", None) if book is not None else None
    if path:
        parent = Path(str(path)).parent
        if parent.is_absolute() and parent.is_dir():
            return parent, "dossier du classeur actif, aucun dossier de société trouvé"
    home = Path.home()
    docs = home / "Documents"
    return (docs if docs.is_dir() else home), "vos Documents, aucun dossier de société ni classeur enregistré"


def _open_in_excel(book: Any, path: Path) -> None:
    if book is None or not type(book).__module__.startswith("xlwings"):
        return
    try:
        import xlwings as xw

        if getattr(book.app, "engine", None) is not None and getattr(book.app.engine, "name", "") in ("remote", "officejs"):
            return
        xw.Book(str(path))
    except Exception:  # opening is a convenience: the file is written anyway
        pass


@handler("payments_check", label="Contrôler", group=GROUP, image="AcceptInvitation", order=20)
def payments_check(book: Any, *, dossier: Any = None, today: date | None = None) -> HandlerResult:
    from reglo.addin.shell.payments import check_payments

    wb = as_workbook(book)
    run = check_payments(wb, dossier or locate_dossier(book), today=today or date.today())
    return _result(run)


@handler("payments_import", label="Importer", group=GROUP, image="ImportExcel", order=30)
def payments_import(book: Any, *, dossier: Any = None, today: date | None = None, now: datetime | None = None) -> HandlerResult:
    from reglo.addin.shell.payments import import_payments

    wb = as_workbook(book)
    now = now or datetime.now().replace(microsecond=0)
    name = getattr(getattr(wb, "path", None), "name", None) or getattr(book, "name", None)
    run = import_payments(wb, dossier or locate_dossier(book), today=today or now.date(), now=now, file_name=name)
    return _result(run)


@handler("payments_from_ledger", label="Importer depuis la comptabilité", group=GROUP, image="DatabaseQueryNew", order=40)
def payments_from_ledger(book: Any, *, dossier: Any = None, fec: str | Path | None = None, now: datetime | None = None) -> HandlerResult:
    from reglo.addin.shell.payments import import_from_ledger, read_ledger

    d = dossier or locate_dossier(book)
    frame, name = read_ledger(d, fec)
    run = import_from_ledger(as_workbook(book), d, frame, now=now or datetime.now().replace(microsecond=0), file_name=name)
    return _result(run)


def check_payment_sheet(book: Any) -> list:
    """Check of the « Import règlements clients » sheet for ``reglo check`` / « Contrôler le
    classeur »: against the dossier when the workbook sits in one, otherwise the checks
    that need no dossier (dates, amounts, modes)."""
    from reglo.addin.shell.payments import read_template, run_check

    wb = as_workbook(book)
    tpl = read_template(wb)
    try:
        dossier = locate_dossier(book)
    except UserError:
        dossier = None
    if dossier is not None:
        return run_check(tpl, dossier, today=date.today())[1]
    from reglo.core.payments.ingest import parse_row

    alerts = list(tpl.alerts)
    for n, values in tpl.rows:
        alerts += [a for a in parse_row(n, values, sheet=tpl.sheet).alerts if not tpl.missing or a.column in tpl.columns]
    return alerts


try:  # the check registry is optional for this workflow (registered when present)
    from reglo.addin.shell.checks import sheet_check

    sheet_check("Import règlements clients", label="Contrôle des règlements clients à importer")(check_payment_sheet)
except ImportError:  # pragma: no cover
    pass
