"""Reading and writing a dossier folder: ``dossier.xlsx`` + the FEC (+ the payment register).

The contract (sheet names, French headers) is ``docs/dossier.md``; the headers live in
``reglo.core.dossier`` so that the writer, the reader and the template share them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reglo.addin.shell.errors import UserError
from reglo.addin.shell.register import REGISTER_FILE, PaymentRegister
from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, Column, FileWorkbook, WorkbookError, atomic_write
from reglo.core.alerts import Alert, alert
from reglo.core.dossier import (
    BANKS_SHEET,
    COMPANY_SHEET,
    INVOICES_SHEET,
    MANDATES_SHEET,
    PARTIES_SHEET,
    PARTY_TYPES,
    party_type_label,
    REQUIRED,
    SHEETS,
    SITES_SHEET,
    Dossier,
    SheetData,
    ingest_dossier,
)
from reglo.core.fec import FecError, fec_filename, read_fec, write_fec
from reglo.core.ledger import Ledger, empty_frame

DOSSIER_FILE = "dossier.xlsx"
DUE_DATE_FIELD = "DateEcheance"
TEXT = "@"  # Excel text format: keeps leading zeros of codes, postcodes, accounts, SIREN
_FEC_NAME = re.compile(r"^(\d{9})FEC(\d{8})\.(txt|csv)$", re.IGNORECASE)

# how each sheet is written: header label → (number format, width)
_LAYOUT: dict[str, dict[str, tuple[str | None, float | None]]] = {
    COMPANY_SHEET: {"Paramètre": (None, 22), "Valeur": (None, 44)},
    PARTIES_SHEET: {
        "Code tiers": (TEXT, 11), "Type": (None, 12), "Raison sociale": (None, 40), "Compte collectif": (TEXT, 12),
        "Rue": (None, 34), "Code postal": (TEXT, 11), "Ville": (None, 24), "Pays": (TEXT, 7), "IBAN": (TEXT, 36),
        "BIC": (TEXT, 14), "Banque par défaut": (TEXT, 12), "Mode de règlement": (None, 16), "Priorité": ("0", 9),
        "Centrale": (TEXT, 10), "SIREN": (TEXT, 12), "Email": (None, 34),
    },
    BANKS_SHEET: {"Journal": (TEXT, 9), "Libellé": (None, 36), "Compte": (TEXT, 10), "IBAN": (TEXT, 36), "BIC": (TEXT, 14), "ICS": (TEXT, 16), "Plafond": (EURO_FORMAT, 16)},
    MANDATES_SHEET: {"Code tiers": (TEXT, 11), "RUM": (TEXT, 28), "Date de signature": (DATE_FORMAT, 14), "Séquence": (TEXT, 10), "Schéma": (TEXT, 9), "IBAN": (TEXT, 36)},
    SITES_SHEET: {"Code chantier": (TEXT, 13), "Libellé": (None, 46), "Code client": (TEXT, 11), "Ville": (None, 24)},
    INVOICES_SHEET: {"N° facture": (TEXT, 13), "Code client": (TEXT, 11), "Date facture": (DATE_FORMAT, 12), "Échéance": (DATE_FORMAT, 12), "Montant HT": (EURO_FORMAT, 15), "TVA": (EURO_FORMAT, 13), "Montant TTC": (EURO_FORMAT, 15), "Code chantier": (TEXT, 13)},
}


def columns(sheet: str) -> list[Column]:
    """The styled columns of a dossier sheet (shared with the « Dossier » template)."""
    return [Column(h, *_LAYOUT[sheet].get(h, (None, None))) for h in SHEETS[sheet]]


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def dossier_rows(dossier: Dossier) -> dict[str, list[list[Any]]]:
    """The rows of each sheet of dossier.xlsx, in the header order of ``reglo.core.dossier.SHEETS``."""
    c = dossier.company
    banks = {b.journal_code for b in c.bank_accounts}
    rows: dict[str, list[list[Any]]] = {
        COMPANY_SHEET: [
            ["Raison sociale", c.legal_name], ["SIREN", c.siren], ["Rue", c.address.street], ["Code postal", c.address.postcode],
            ["Ville", c.address.town], ["Pays", c.address.country], ["Début d'exercice", c.fiscal_year_start], ["Fin d'exercice", c.fiscal_year_end],
        ],
        BANKS_SHEET: [
            [b.journal_code, b.label, b.ledger_account, b.iban.formatted, str(b.bic) if b.bic else None, b.creditor_id, b.daily_limit]
            for b in c.bank_accounts
        ],
        PARTIES_SHEET: [],
        MANDATES_SHEET: [],
        SITES_SHEET: [[s.code, s.label, s.customer_code, s.town] for s in dossier.job_sites],
        INVOICES_SHEET: [
            [i.invoice_number, i.customer_code, i.invoice_date, i.due_date, i.net, i.vat, i.gross, i.job_site_code]
            for i in dossier.invoices
        ],
    }
    for p in dossier.parties:
        bank = p.main_bank_account
        rows[PARTIES_SHEET].append([
            p.code, party_type_label(p), p.legal_name, p.control_account, p.address.street, p.address.postcode, p.address.town,
            p.address.country, bank.iban.formatted if bank else None, str(bank.bic) if bank and bank.bic else None,
            p.default_bank_journal if (p.default_bank_journal in banks or not banks) else None,
            p.payment_method.value if p.payment_method else None, p.priority, p.head_office_code, p.siren, p.email,
        ])
        for m in p.mandates:
            rows[MANDATES_SHEET].append([p.code, m.mandate_id, m.signed_on, m.sequence_type.value, m.scheme, m.iban.formatted if m.iban else None])
    return rows


def write_dossier_workbook(path: Path, dossier: Dossier) -> Path:
    """Write ``dossier.xlsx`` (styled: bold header, € and dd/mm/yyyy formats, frozen header)."""
    book = FileWorkbook(path.with_name(f".{path.name}.new"), create=True)  # built from scratch, never on disk
    rows = dossier_rows(dossier)
    for sheet in SHEETS:
        book.write_sheet(sheet, columns(sheet), rows[sheet])
    try:
        book.save(path)  # atomic: the old file stays whole until the new one is complete
    except PermissionError as exc:
        raise UserError(f"Impossible d'écrire {path} ({exc.strerror or exc}) : le classeur est peut-être ouvert dans Excel ; fermez-le et relancez.") from exc
    return path


def write_dossier(out_dir: str | Path, dossier: Dossier, ledger_frame: pd.DataFrame) -> dict[str, Path]:
    """Write a dossier folder: ``dossier.xlsx`` and ``<SIREN>FEC<closing>.txt`` (atomically).

    Returns:
        ``{"dossier": path, "fec": path, "register": path}`` (the register is created on first use).
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    workbook = write_dossier_workbook(folder / DOSSIER_FILE, dossier)
    fec = folder / fec_filename(dossier.company.siren, dossier.company.fiscal_year_end)
    try:
        atomic_write(fec, write_fec(ledger_frame, due_date_field=DUE_DATE_FIELD))
    except PermissionError as exc:
        raise UserError(f"Impossible d'écrire {fec} ({exc.strerror or exc}) : le fichier est peut-être ouvert ailleurs.") from exc
    return {"dossier": workbook, "fec": fec, "register": folder / REGISTER_FILE}


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

@dataclass
class LoadedDossier:
    """A dossier read back: reference data, ledger, every alert found, folder and register."""

    dossier: Dossier
    ledger: Ledger
    alerts: list[Alert]
    folder: Path
    register_path: Path
    fec_path: Path | None = None
    _register: PaymentRegister | None = field(default=None, repr=False)

    @property
    def register(self) -> PaymentRegister:
        """The dossier's payment register (the SQLite file is created on first use)."""
        if self._register is None:
            self._register = PaymentRegister(self.register_path)
        return self._register


def _sheet_data(book: FileWorkbook, sheet: str) -> SheetData | None:
    if sheet not in book.sheet_names():
        return None
    values = book.read_values(sheet)
    header_row = 1
    for i, line in enumerate(values[:20], start=1):  # a title above the header is tolerated
        if any(v not in (None, "") for v in line):
            header_row = i
            break
    headers = [str(v).strip() if v not in (None, "") else "" for v in (values[header_row - 1] if values else [])]
    rows = []
    for offset, line in enumerate(values[header_row:], start=header_row + 1):
        if all(v in (None, "") for v in line):
            continue
        rows.append((offset, {h: (line[i] if i < len(line) else None) for i, h in enumerate(headers) if h}))
    return SheetData(name=sheet, headers=headers, rows=rows, header_row=header_row)


def find_fec(folder: Path, siren: str | None = None) -> tuple[Path | None, list[Alert]]:
    """The dossier's FEC: ``SIRENFECAAAAMMJJ.txt`` in the folder (the company's, latest closing)."""
    found = sorted(p for p in folder.iterdir() if p.is_file() and _FEC_NAME.match(p.name))
    if not found:
        return None, [alert("DOSSIER_FEC_MISSING", sheet="FEC", folder=str(folder))]
    own = [p for p in found if siren and p.name.startswith(siren)] or found
    chosen = max(own, key=lambda p: (_FEC_NAME.match(p.name).group(2), p.name))  # type: ignore[union-attr]
    alerts = []
    if len(found) > 1:
        alerts.append(alert("DOSSIER_FEC_SEVERAL", sheet="FEC", found=", ".join(p.name for p in found), chosen=chosen.name))
    return chosen, alerts


def load_dossier(path: str | Path) -> LoadedDossier:
    """Read a dossier (its folder, or its ``dossier.xlsx``) leniently.

    Raises:
        UserError: the workbook is absent or unreadable, or Société/Tiers are unusable
            (message in French listing what to fix).
    """
    p = Path(path)
    if not p.exists() and not p.suffix:  # a folder that does not exist (not a file named without suffix)
        raise UserError(alert("DOSSIER_FOLDER_MISSING", path=str(p)).message)
    if p.is_dir():
        workbook = p / DOSSIER_FILE
    elif p.suffix.lower() in (".xlsx", ".xlsm"):
        workbook = p
    else:  # the FEC (or another file) of the dossier: its folder
        workbook = p.parent / DOSSIER_FILE
    folder = workbook.parent
    if not workbook.exists():
        raise UserError(alert("DOSSIER_FILE_MISSING", path=str(workbook)).message)
    from reglo.addin.shell.recovery import recover_at_start

    recover_at_start(folder)  # interrupted runs of this machine are finished or rolled back first
    try:
        book = FileWorkbook(workbook)
        sheets = {name: _sheet_data(book, name) for name in REQUIRED}
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    result = ingest_dossier(sheets)
    alerts = list(result.alerts)
    if result.dossier is None:
        details = "\n".join(f"  - {a}" for a in alerts if a.is_blocking)
        raise UserError(f"Dossier inutilisable ({workbook.name}) :\n{details}")
    dossier = result.dossier
    fec_path, fec_alerts = find_fec(folder, dossier.company.siren)
    alerts += fec_alerts
    ledger = Ledger(frame=empty_frame())
    if fec_path is not None:
        try:
            ledger = read_fec(fec_path.read_bytes(), filename=fec_path.name)
        except FecError as exc:
            alerts.append(exc.alert)
        except OSError as exc:
            alerts.append(alert("FILE_UNREADABLE", sheet="FEC", detail=f"{fec_path.name} ({exc.strerror or exc})"))
        alerts += ledger.alerts
    return LoadedDossier(dossier=dossier, ledger=ledger, alerts=alerts, folder=folder, register_path=folder / REGISTER_FILE, fec_path=fec_path)


