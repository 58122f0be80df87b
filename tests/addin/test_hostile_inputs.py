"""Hostile inputs fed to every ``reglo`` command that takes a file: the user always gets a
French message (exit 2, or 1 with alerts), never English library text, a Python class name
or a traceback, and no partial output file is left behind.

Hostile-input classes: a truncated .xlsx, a .txt renamed .xlsx, an empty file, a zip whose
relationship points outside the package (``../``) with a ``../`` member, an XML
external-entity workbook, a decompression bomb, a workbook without the expected sheet, wrong
cell types, a garbage ``reglo-registre.sqlite`` in the dossier, a FEC with 10 columns, a FEC
in UTF-16.

By default a quick subset runs (every class once, every command once); ``REGLO_FULL=1`` runs
the whole matrix (every class × every command).
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from reglo.addin.entrypoints.cli import main

FULL = os.environ.get("REGLO_FULL") == "1"

# English library text and Python class names that must never reach the user
FORBIDDEN = (
    "Error", "Exception", "Traceback", "BadZipFile", "XMLSyntaxError", "KeyError", "IndexError", "ValueError",
    "TypeError", "AttributeError", "Input should be", "does not support", "pop from empty list", "No such file",
    "DatabaseError", "file is not a database", "not a zip file", "File is not", "openpyxl", "zipfile", "lxml",
    "pydantic", "sqlite3", "Errno", "line 1, column", "invalid literal", "object has no attribute", "unsupported",
)
FRENCH = re.compile(r"[éèêàçùôî]|\b(le|la|les|du|des|un|une|est|pas|fichier|classeur|dossier)\b", re.IGNORECASE)

ENTRIES_HEAD = ["Journal", "Date", "N° écriture", "Compte", "Libellé", "Débit", "Crédit"]
FEC_HEAD = ("JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\t"
            "PieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise")
FEC_LINES = [
    "VT\tVentes\tVT1\t20250131\t411000\tClients\tC001\tDUPONT\tF1\t20250131\tFacture F1\t1200,00\t0,00\t\t\t20250131\t\t",
    "VT\tVentes\tVT1\t20250131\t706000\tTravaux\t\t\tF1\t20250131\tFacture F1\t0,00\t1200,00\t\t\t20250131\t\t",
]


# ---------------------------------------------------------------------------
# the dossier and valid inputs (once per session)
# ---------------------------------------------------------------------------

@dataclass
class Valid:
    dossier: Path
    payments: Path  # « Import règlements clients » with one real payment
    transfers: Path  # a transfers workbook after « Importer »
    definition: Path  # an entry-import definition (.json)
    entries_input: Path  # lines to import for that definition
    fec: Path


@pytest.fixture(scope="session")
def valid(tmp_path_factory) -> Valid:
    from reglo.addin.shell.dossier import write_dossier
    from reglo.core.demo import generate_demo
    from reglo.core.payments import ingest as t

    root = tmp_path_factory.mktemp("valides")
    demo = generate_demo()
    dossier = root / "dossier"
    paths = write_dossier(dossier, demo.dossier, demo.ledger_frame)
    # payments: the template with one payment of a real invoice
    assert main(["templates", "--out", str(root / "modeles")]) == 0
    payments = root / "reglements.xlsx"
    shutil.copy(root / "modeles" / "Import règlements clients.xlsx", payments)
    inv = next(i for i in demo.dossier.invoices if i.gross > 0)
    wb = openpyxl.load_workbook(payments)
    ws = wb[t.SHEET]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == t.HEADERS[0])
    for col, value in enumerate([datetime(2025, 12, 20), inv.invoice_number, inv.customer_code, float(inv.gross), "Virement", "VIR 1",
                                 demo.dossier.company.bank_accounts[0].journal_code], start=1):
        ws.cell(header_row + 1, col, value)
    wb.save(payments)
    # transfers: « Importer » once
    transfers = root / "virements.xlsx"
    assert main(["transfers", "import", str(transfers), "--dossier", str(dossier), "--period", "2025",
                 "--now", "2026-01-02T09:00:00"]) in (0, 1)
    definition = root / "definition.json"
    assert main(["entries", "definition", "--preset", "ventes", "--out", str(definition)]) == 0
    entries_input = root / "ventes.xlsx"
    _entries_workbook(entries_input, "Lignes à importer", [["Journal", "Date", "Pièce", "Client", "Montant HT"], ["VT", datetime(2025, 1, 8), "F1", "C001", 100]])
    fec = root / "472805696FEC20251231.txt"
    fec.write_bytes(("\n".join([FEC_HEAD, *FEC_LINES]) + "\n").encode())
    return Valid(dossier, payments, transfers, definition, entries_input, Path(paths["fec"]))


def _entries_workbook(path: Path, sheet: str, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# ---------------------------------------------------------------------------
# hostile inputs
# ---------------------------------------------------------------------------

def _rezip(src: Path, dst: Path, replace: dict[str, bytes] | None = None, extra: dict[str, bytes] | None = None) -> Path:
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _sheet_for(command: str) -> str:
    return {"check": "Écritures", "payments": "Import règlements clients", "transfers": "Prévisualisation virements",
            "entries": "Lignes à importer", "letter-xlsx": "Propositions de lettrage"}.get(command, "Écritures")


def _plain(path: Path, sheet: str, rows: list[list] | None = None) -> Path:
    return _entries_workbook(path, sheet, rows or [ENTRIES_HEAD, ["VE", datetime(2025, 1, 31), "1", "411000", "Facture", 100, None]])


def truncated(folder: Path, command: str) -> Path:
    good = _plain(folder / "bon.xlsx", _sheet_for(command)).read_bytes()
    (folder / "bon.xlsx").unlink()
    path = folder / "tronque.xlsx"
    path.write_bytes(good[: len(good) // 2])
    return path


def text_renamed(folder: Path, command: str) -> Path:
    path = folder / "texte.xlsx"
    path.write_text("Journal;Date;Montant\nVE;31/01/2025;100,00\n", encoding="utf-8")
    return path


def empty(folder: Path, command: str) -> Path:
    path = folder / "vide.xlsx"
    path.write_bytes(b"")
    return path


def zip_rels_escape(folder: Path, command: str) -> Path:
    """The workbook's relationship to its sheet climbs above the package root (``../../../../``)."""
    base = _plain(folder / "base.xlsx", _sheet_for(command))
    with zipfile.ZipFile(base) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rels = rels.replace('Target="/xl/worksheets/sheet1.xml"', 'Target="../../../../worksheets/sheet1.xml"')
    path = _rezip(base, folder / "evasion.xlsx", {"xl/_rels/workbook.xml.rels": rels.encode()})
    base.unlink()
    return path


def zip_member_escape(folder: Path, command: str) -> Path:
    """A valid workbook that also carries a member named ``../../evasion.txt`` (zip slip)."""
    base = _plain(folder / "base.xlsx", _sheet_for(command))
    path = _rezip(base, folder / "membre.xlsx", extra={"../../evasion.txt": b"dehors"})
    base.unlink()
    return path


def xxe(folder: Path, command: str) -> Path:
    """An XML external entity in the workbook part and in the sheet."""
    base = _plain(folder / "base.xlsx", _sheet_for(command))
    secret = folder / "secret.txt"
    secret.write_text("SECRET-XXE", encoding="utf-8")
    doctype = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'.encode()
    with zipfile.ZipFile(base) as z:
        workbook = z.read("xl/workbook.xml")
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb"<sheetData>.*</sheetData>", b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>', sheet)
    path = _rezip(base, folder / "entites.xlsx", {"xl/workbook.xml": doctype + workbook, "xl/worksheets/sheet1.xml": doctype + sheet})
    base.unlink()
    secret.unlink()
    return path


def bomb(folder: Path, command: str) -> Path:
    """A 300 KB workbook whose shared string expands to 300 MB (as in test_formulas)."""
    base = _plain(folder / "base.xlsx", _sheet_for(command))
    path = folder / "bombe.xlsx"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * (1024 * 1024)
            for _ in range(300):
                f.write(chunk)
            f.write(b"</t></si></sst>")
    base.unlink()
    return path


def missing_sheet(folder: Path, command: str) -> Path:
    return _plain(folder / "autre.xlsx", "Feuil1", [["Bonjour"], ["rien à voir"]])


def wrong_types(folder: Path, command: str) -> Path:
    """The expected sheet, with text where numbers and dates are expected (and the reverse)."""
    from reglo.core.payments import ingest as t

    path = folder / "types.xlsx"
    if command == "payments":
        return _plain(path, t.SHEET, [list(t.HEADERS), ["pas une date", 12345, datetime(2025, 1, 1), "douze euros", 7, None, 3.5, None, None]])
    if command == "transfers":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Paramètres virements"
        ws.append(["Paramètre", "Valeur"])
        for row in (["Période du", "demain"], ["Période au", 42], ["Date d'exécution demandée", "jamais"], ["Importer les débits non lettrés", 3.14],
                    ["Version", 9]):
            ws.append(row)
        ws2 = wb.create_sheet("Prévisualisation virements")
        ws2.append(["Clé", "Sélection", "Bénéficiaire", "Montant"])
        ws2.append([datetime(2025, 1, 1), 12, None, "beaucoup"])
        wb.save(path)
        return path
    if command == "entries":
        return _plain(path, "Lignes à importer", [["Journal", "Date", "Pièce", "Client", "Montant HT"], [12, "pas une date", None, 3.5, "cent"]])
    if command == "letter-xlsx":
        return _plain(path, "Propositions de lettrage", [["Appliquer", "Groupe", "Compte"], [3.5, "x", datetime(2025, 1, 1)]])
    return _plain(path, "Écritures", [ENTRIES_HEAD, [12, "pas une date", datetime(2025, 1, 1), 411000.5, None, "cent", "x"]])


def fec_10_columns(folder: Path, command: str) -> Path:
    path = folder / "472805696FEC20251231.txt"
    head = "\t".join(FEC_HEAD.split("\t")[:10])
    path.write_text(head + "\n" + "\n".join("\t".join(line.split("\t")[:10]) for line in FEC_LINES) + "\n", encoding="utf-8")
    return path


def fec_utf16(folder: Path, command: str) -> Path:
    path = folder / "472805696FEC20251231.txt"
    path.write_bytes(("\n".join([FEC_HEAD, *FEC_LINES]) + "\n").encode("utf-16"))
    return path


CLASSES: dict[str, Callable[[Path, str], Path]] = {
    "tronque": truncated, "texte-renomme": text_renamed, "vide": empty, "evasion-relation": zip_rels_escape,
    "evasion-membre": zip_member_escape, "entites-xml": xxe,
    "bombe": bomb, "feuille-absente": missing_sheet, "types-errones": wrong_types, "fec-10-colonnes": fec_10_columns,
    "fec-utf16": fec_utf16,
}


# ---------------------------------------------------------------------------
# commands: (family for the expected sheet, argv builder from the hostile path)
# ---------------------------------------------------------------------------

def _commands(v: Valid, work: Path) -> dict[str, tuple[str, Callable[[Path], list[str]]]]:
    d = str(work / "dossier")
    return {
        "check": ("check", lambda f: ["check", str(f)]),
        "check-rapide": ("check", lambda f: ["check", str(f), "--moteur", "rapide"]),
        "fec-check": ("fec", lambda f: ["fec", "check", str(f), "--xlsx", str(work / "sortie" / "controle.xlsx")]),
        "letter": ("fec", lambda f: ["letter", str(f), "--xlsx", str(work / "sortie" / "propositions.xlsx")]),
        "letter-from-xlsx": ("letter-xlsx", lambda f: ["letter", str(work / "dossier" / v.fec.name), "--from-xlsx", str(f),
                                                         "--out", str(work / "sortie" / "lettre.txt")]),
        "payments-check": ("payments", lambda f: ["payments", "check", str(f), "--dossier", d, "--today", "2025-12-31"]),
        "payments-import": ("payments", lambda f: ["payments", "import", str(f), "--dossier", d, "--today", "2025-12-31"]),
        "transfers-import": ("transfers", lambda f: ["transfers", "import", str(f), "--dossier", d, "--period", "2025", "--now", "2026-01-02T09:00:00"]),
        "transfers-show": ("transfers", lambda f: ["transfers", "show", str(f), "--dossier", d]),
        "transfers-generate": ("transfers", lambda f: ["transfers", "generate", str(f), "--dossier", d, "--now", "2026-01-02T09:00:00",
                                                       "--out", str(work / "dossier" / "virements")]),
        "entries-import": ("entries", lambda f: ["entries", "import", str(f), "--definition", str(v.definition), "--out", str(work / "sortie")]),
    }


COMMANDS = ["check", "check-rapide", "fec-check", "letter", "letter-from-xlsx", "payments-check", "payments-import", "transfers-import", "transfers-show",
            "transfers-generate", "entries-import"]

# (class, command) pairs where the input is acceptable and exit 0 is the right answer
ACCEPTED = {
    ("feuille-absente", "transfers-import"),  # « Importer » creates its sheets in any workbook
    ("types-errones", "transfers-import"),  # the command line's --period replaces the badly typed parameters
    ("fec-utf16", "fec-check"),  # read, with the warning « UTF-16 (non conforme) »
    ("fec-utf16", "letter"),  # read, the FEC's own warning counted
}


def _matrix() -> list[tuple[str, str]]:
    pairs = [(c, m) for c in CLASSES for m in COMMANDS]
    if FULL:
        return pairs
    # quick: each class once (commands in turn), and the ``../`` relationship (the IndexError once
    # shown as « Erreur interne ») against every command
    quick = [(c, COMMANDS[(3 * i) % len(COMMANDS)]) for i, c in enumerate(CLASSES)]
    quick += [("evasion-relation", m) for m in COMMANDS]
    return sorted(set(quick), key=pairs.index)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes; the register by its content (opening it may touch its header)."""
    import sqlite3

    snap: dict[str, bytes] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.name.endswith(("-wal", "-shm", "-journal", ".lock")) or p.name == "reglo-erreurs.log":
            continue
        key = str(p.relative_to(folder))
        if p.suffix == ".sqlite":
            try:
                con = sqlite3.connect(f"{p.as_uri()}?mode=ro", uri=True)
                snap[key] = "\n".join(con.iterdump()).encode()
                con.close()
                continue
            except sqlite3.DatabaseError:
                pass
        snap[key] = p.read_bytes()
    return snap


def _workspace(v: Valid, tmp_path: Path) -> Path:
    work = tmp_path / "travail"
    shutil.copytree(v.dossier, work / "dossier")
    (work / "sortie").mkdir()
    (work / "entree").mkdir()
    return work


def _assert_french_only(code: int, out: str, err: str, allowed: set[int]) -> None:
    text = out + err
    assert code in allowed, f"code {code}\n{text}"
    for word in FORBIDDEN:
        assert word not in text, f"« {word} » montré à l'utilisateur :\n{text}"
    assert "SECRET-XXE" not in text
    if code == 2:
        assert err.strip().startswith("Erreur") or err.strip(), text
        assert FRENCH.search(err), f"message non français :\n{err}"
        assert "Erreur inattendue" not in err, f"bug non expliqué :\n{err}"


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind, command", _matrix())
def test_hostile_input_gets_a_french_message_and_no_partial_output(valid, tmp_path, capsys, kind, command):
    work = _workspace(valid, tmp_path)
    family, argv = _commands(valid, work)[command]
    path = CLASSES[kind](work / "entree", family)
    before = _snapshot(work)
    code, out, err = _run(argv(path), capsys)
    allowed = {0, 1, 2} if (kind, command) in ACCEPTED else {1, 2}
    _assert_french_only(code, out, err, allowed)
    after = _snapshot(work)
    if code == 2:
        assert after == before, f"fichiers écrits ou modifiés malgré le refus : {sorted(set(after) ^ set(before)) or 'contenu modifié'}"
    else:  # alerts: the input may be annotated, but no stray temporary file remains
        assert not [p for p in after if Path(p).name.startswith((".", "~$")) or p.endswith((".tmp", ".part"))]


@pytest.mark.parametrize("command", ["payments-check", "payments-import", "transfers-import", "transfers-show", "transfers-generate"])
def test_garbage_register_in_the_dossier(valid, tmp_path, capsys, command):
    from reglo.addin.shell.register import REGISTER_FILE

    work = _workspace(valid, tmp_path)
    (work / "dossier" / REGISTER_FILE).write_bytes(b"ceci n'est pas une base SQLite " * 100)
    family, argv = _commands(valid, work)[command]
    source = valid.payments if family == "payments" else valid.transfers
    path = work / "entree" / source.name
    shutil.copy(source, path)
    before = _snapshot(work)
    code, out, err = _run(argv(path), capsys)
    _assert_french_only(code, out, err, {2})
    assert "registre" in err
    assert _snapshot(work) == before
