"""``reglo fec check FILE [--xlsx OUT] [--max N]``: structural check of a FEC.

Prints a French summary (file, encoding, separator, lines, entries, totals, alerts per
severity, then the first ``N`` alerts with their line and field). With ``--xlsx OUT`` the
alerts also go into a workbook: the lines in alert are copied to the sheet « Lignes FEC »
(one Excel row per file line, « Ligne » giving the line number in the file) and painted,
and the « Contrôle » sheet lists every alert with a link to its cell (``reglo.addin.backends.paint``).

Exit codes: 0 no blocking alert, 1 blocking alerts, 2 unusable file (no output written).
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from reglo.core.alerts import Alert, Severity, count_by_severity
from reglo.core.fec import FecError, dgfip_alerts, read_fec
from reglo.core.ledger import Ledger

from reglo.addin.entrypoints.commands._common import command_with_actions
from reglo.addin.shell.errors import UserError
from reglo.addin.backends.progress import Progress

LINES_SHEET = "Lignes FEC"
MAX_SHEET_LINES = 5_000  # lines copied to « Lignes FEC » (the others stay listed on « Contrôle »)
LARGE_FILE = 5_000_000  # bytes: above, show the progress bar
_SEPARATORS = {"\t": "tabulation", "|": "barre verticale « | »", ";": "point-virgule (non conforme)", ",": "virgule (non conforme)"}
_ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 avec BOM", "iso-8859-15": "ISO-8859-15 (Latin-9)", "cp1252": "Windows-1252", "utf-16": "UTF-16 (non conforme)"}


def register(subparsers) -> None:
    sub = command_with_actions(
        subparsers,
        "fec",
        help="fichier des écritures comptables (FEC) : contrôle de structure",
        description="Fichier des écritures comptables (FEC, article A47 A-1 du LPF).",
        dest="fec_command",
    )
    check = sub.add_parser(
        "check",
        help="contrôler la structure d'un FEC (séparateur, encodage, en-tête, dates, montants, équilibre)",
        description=(
            "Contrôle la structure d'un FEC comme l'outil Test Compta Demat de la DGFiP, plus l'équilibre "
            "de chaque écriture. Codes de sortie : 0 = aucune alerte bloquante, 1 = alertes bloquantes, "
            "2 = fichier inutilisable."
        ),
    )
    check.add_argument("file", metavar="FICHIER", help="le FEC à contrôler (SIRENFECAAAAMMJJ.txt)")
    check.add_argument("--xlsx", metavar="CLASSEUR", help="écrire aussi les alertes dans ce classeur (.xlsx) : feuilles « Contrôle » et « Lignes FEC »")
    check.add_argument("--max", type=_positive, default=50, metavar="N", help="nombre d'alertes affichées (défaut : 50)")
    check.set_defaults(func=run_check)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu, trouvé « {text} »") from None
    if value < 0:
        raise argparse.ArgumentTypeError("le nombre doit être positif ou nul")
    return value


def run_check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    out = Path(args.xlsx) if args.xlsx else None
    if out is not None and out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UserError(f"Le classeur de sortie doit avoir l'extension .xlsx (reçu : {out.name}).")
    data = _read_bytes(path)
    steps = 3 if out else 1
    with Progress(f"Contrôle de {path.name}", total=steps, enabled=None if len(data) > LARGE_FILE else False) as bar:
        try:
            ledger = read_fec(data, filename=path.name)
        except FecError as exc:
            raise UserError(f"{path.name} : {exc.alert.message}") from exc
        ledger.alerts = dgfip_alerts(ledger.alerts, path.name)  # graded as Test Compta Demat does
        bar.update()
        if out is not None:
            write_workbook(out, ledger, data, path.name, progress=bar)
    print("\n".join(summary_lines(ledger, path)))
    print("\n".join(alert_lines(ledger.alerts, args.max)))
    if out is not None:
        print(f"Classeur écrit : {out} (feuilles « Contrôle » et « {LINES_SHEET} »)")
    blocking = count_by_severity(ledger.alerts)[Severity.BLOCKING]
    if blocking:
        print("Résultat : FEC NON CONFORME — corrigez les alertes bloquantes puis relancez le contrôle.")
        return 1
    print("Résultat : aucune alerte bloquante.")
    return 0


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"Fichier introuvable : {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} est un dossier : indiquez le fichier FEC lui-même.") from None
    except OSError as exc:
        raise UserError(f"Fichier illisible : {path} ({exc.strerror or exc}).") from None


def _amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units:,}".replace(",", "\u202f") + f",{rest:02d} €"


def _count(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def summary_lines(ledger: Ledger, path: Path) -> list[str]:
    """The French summary printed before the alerts."""
    frame = ledger.frame
    entries = len(frame[["journal_code", "entry_number"]].drop_duplicates()) if len(frame) else 0
    counts = count_by_severity(ledger.alerts)
    b, w = counts[Severity.BLOCKING], counts[Severity.WARNING]
    return [
        f"Contrôle du FEC : {path.name}",
        f"  Encodage : {_ENCODINGS.get(ledger.encoding, ledger.encoding)} ; séparateur : {_SEPARATORS.get(ledger.separator, repr(ledger.separator))}",
        f"  Lignes lues (hors en-tête) : {_count(ledger.lines_read)} ; lignes retenues : {_count(len(frame))} ; lignes écartées : {_count(len(ledger.rejected_lines))}",
        f"  Écritures : {_count(entries)}",
        f"  Total débit : {_amount(ledger.total_debit_cents())} ; total crédit : {_amount(ledger.total_credit_cents())}",
        f"  Alertes : {_count(b)} bloquante{'s' if b > 1 else ''}, {_count(w)} avertissement{'s' if w > 1 else ''}",
    ]


def alert_lines(alerts: list[Alert], limit: int) -> list[str]:
    """The first ``limit`` alerts, one line each, with line and field."""
    if not alerts:
        return ["Aucune alerte."]
    shown = alerts[:limit]
    head = f"Alertes ({len(shown)} premières sur {_count(len(alerts))}) :" if len(alerts) > limit else "Alertes :"
    lines = [head]
    for a in shown:
        where = []
        if a.row is not None:
            where.append(f"ligne {a.row}")
        if a.column:
            where.append(f"champ « {a.column} »")
        place = ", ".join(where) or "fichier"
        lines.append(f"  [{a.severity.value}] {place} — {a.code.value} : {a.message}")
    if len(alerts) > limit:
        lines.append(f"  … {_count(len(alerts) - limit)} autre(s) alerte(s) : option --max N pour en voir plus, ou --xlsx pour toutes les écrire.")
    return lines


# ---------------------------------------------------------------------------
# workbook
# ---------------------------------------------------------------------------


def _raw_lines(data: bytes, encoding: str, wanted: set[int]) -> dict[int, str]:
    """Text of the wanted physical lines (header = 1), split as the reader splits them."""
    from reglo.core.fec import decode_bytes

    text, _ = decode_bytes(data)
    out: dict[int, str] = {}
    if not wanted:
        return out
    last = max(wanted)
    start, line = 0, 1
    for m in re.finditer(rb"\r\n|\r|\n", text):
        if line in wanted:
            out[line] = text[start : m.start()].decode("utf-8")
        line += 1
        start = m.end()
        if line > last:
            break
    else:
        if line in wanted and start < len(text):
            out[line] = text[start:].decode("utf-8")
    return out


def write_workbook(out: Path, ledger: Ledger, data: bytes, name: str, *, progress: Progress | None = None) -> None:
    """« Lignes FEC » (the lines in alert, painted) and « Contrôle »; saved atomically."""
    from reglo.addin.backends.paint import paint_alerts
    from reglo.addin.backends.sheets import Column, FileWorkbook, WorkbookError

    try:
        book = FileWorkbook(out, create=True)
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    lines = sorted({a.row for a in ledger.alerts if a.row is not None and a.row > 1})[:MAX_SHEET_LINES]
    raw = _raw_lines(data, ledger.encoding, set(lines) | {1})
    header_text = raw.get(1, "")
    names = [n.strip().strip('"') for n in header_text.split(ledger.separator)] if header_text else []
    excel_row = {line: i + 2 for i, line in enumerate(lines)}  # header on row 1
    rows = [[line] + raw.get(line, "").split(ledger.separator) for line in lines]
    width = max([len(names)] + [len(r) - 1 for r in rows])
    header = [Column("Ligne", width=9)] + [Column(n or f"champ {i + 1}") for i, n in enumerate(names)]
    header += [Column(f"champ {i + 1}") for i in range(len(names), width)]
    book.write_sheet(LINES_SHEET, header, rows, title=None)
    if progress:
        progress.update()
    placed = []
    for a in ledger.alerts:
        prefix = f"Ligne {a.row} du fichier : " if a.row is not None else ""
        if a.row in excel_row:
            placed.append(a.model_copy(update={"sheet": LINES_SHEET, "row": excel_row[a.row], "message": prefix + a.message}))
        else:
            placed.append(a.model_copy(update={"sheet": "FEC", "message": prefix + a.message}))
    summary = [
        ("Fichier", name),
        ("Encodage", _ENCODINGS.get(ledger.encoding, ledger.encoding)),
        ("Séparateur", _SEPARATORS.get(ledger.separator, ledger.separator)),
        ("Lignes lues (hors en-tête)", ledger.lines_read),
        ("Lignes écartées", len(ledger.rejected_lines)),
        ("Total débit", _amount(ledger.total_debit_cents())),
        ("Total crédit", _amount(ledger.total_credit_cents())),
    ]
    if len(lines) == MAX_SHEET_LINES:
        summary.append(("Remarque", f"seules les {MAX_SHEET_LINES} premières lignes en alerte sont copiées dans « {LINES_SHEET} »"))
    paint_alerts(book, placed, owner="reglo-fec", title=f"Contrôle du FEC {name} — Reglo", summary=summary)
    try:
        book.save()
    except OSError as exc:
        raise UserError(f"Impossible d'écrire le classeur {out} ({exc.strerror or exc}). Fermez-le s'il est ouvert dans Excel.") from exc
    if progress:
        progress.update()
