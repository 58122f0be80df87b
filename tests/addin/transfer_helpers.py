"""Helpers of the transfers add-in tests: a dossier on disk, remote-engine replay."""
from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from reglo.addin.shell.dossier import write_dossier
from reglo.core.dossier import Dossier
from reglo.core.fec import read_fec, write_fec
from reglo.core.models import AccountKind, BankAccount, Company, CompanyBankAccount, Party, PostalAddress
from tests.core.transfer_fixtures import DEBTOR_IBAN, IBAN_F001, IBAN_F002, debit, invoice, ledger


def make_dossier(folder: Path, *extra_groups) -> Path:
    company = Company(
        legal_name="Bâtiments Durand & Fils", siren="552100554",
        address=PostalAddress(street="3 place Bellecour", postcode="69002", town="Lyon", country="FR"),
        fiscal_year_start=date(2023, 1, 1), fiscal_year_end=date(2023, 12, 31),
        bank_accounts=(CompanyBankAccount(journal_code="BQ1", label="La Banque Postale", ledger_account="512000", iban=DEBTOR_IBAN, bic="PSSTFRPPXXX"),),
    )
    parties = (
        Party(code="F001", kind=AccountKind.SUPPLIER, legal_name="Matériaux Rhône-Alpes SARL", control_account="401000",
              address=PostalAddress(street="12 rue de la République", postcode="69002", town="Lyon", country="FR"), bank_accounts=(BankAccount(iban=IBAN_F001),)),
        Party(code="F002", kind=AccountKind.SUPPLIER, legal_name="Bauwerk GmbH", control_account="401000",
              address=PostalAddress(street="Hauptstraße 5", postcode="10115", town="Berlin", country="DE"), bank_accounts=(BankAccount(iban=IBAN_F002, bic="COBADEFFXXX"),)),
        Party(code="F003", kind=AccountKind.SUPPLIER, legal_name="Plâtres Sans Ville", control_account="401000",
              address=PostalAddress(street="", postcode="", town="", country="FR"), bank_accounts=(BankAccount(iban=IBAN_F001),)),
    )
    frame = ledger(
        invoice("12", "F001", "FA-2023-031", "1200.00", "2023-03-29", name="Matériaux Rhône-Alpes SARL"),
        invoice("13", "F002", "R-77", "70.10", "2023-03-15", name="Bauwerk GmbH"),
        *extra_groups,
    )
    write_dossier(folder, Dossier(company=company, parties=parties), frame)
    return folder


def book_entries(folder: Path, fec_lines: bytes) -> None:
    """The accountant imports Reglo's entries (FEC lines) into the ledger."""
    fec = next(p for p in folder.iterdir() if "FEC" in p.name and p.suffix == ".txt" and "lettré" not in p.name)  # not the lettered copy
    base = read_fec(fec.read_bytes(), filename=fec.name).frame
    extra = read_fec(fec_lines).frame
    both = pd.concat([base, extra], ignore_index=True)
    fec.write_bytes(write_fec(both, due_date_field="DateEcheance"))


def _cell(v):
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[10] == "T":
        return v[:19] + ".000Z"
    return "" if v is None else v


def replay(book, base: dict[str, list[list]]) -> dict[str, list[list]]:
    """Apply a remote-engine book's actions to the sheets it was built from (values only)."""
    sheets = [(name, [list(r) for r in values]) for name, values in copy.deepcopy(base).items()]
    for a in book.json()["actions"]:
        f = a["func"]
        if f == "sheetDelete":
            sheets.pop(a["sheet_position"])
        elif f == "addSheet":
            pos, name = a["args"]
            sheets.insert(pos, (name, [[""]]))
        elif f == "setValues":
            grid = sheets[a["sheet_position"]][1]
            r0, c0 = a["start_row"], a["start_column"]
            for i, line in enumerate(a["values"]):
                for j, v in enumerate(line):
                    while len(grid) <= r0 + i:
                        grid.append([])
                    row = grid[r0 + i]
                    while len(row) <= c0 + j:
                        row.append("")
                    row[c0 + j] = _cell(v)
    out = {}
    for name, grid in sheets:
        width = max((len(r) for r in grid), default=1) or 1
        out[name] = [r + [""] * (width - len(r)) for r in grid] or [[""]]
    return out


def table(sheets: dict[str, list[list]], sheet: str, header: str = "Clé") -> list[dict]:
    grid = sheets[sheet]
    h = next(i for i, r in enumerate(grid) if header in r)
    names = grid[h]
    return [dict(zip(names, r)) for r in grid[h + 1:] if any(v not in ("", None) for v in r)]
