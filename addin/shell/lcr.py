"""LCR magnétique (CFONB 160), workbook side: the « Prélèvements clients » workbook of the
direct debits (its « Options », « Détail » with the lines in mode LCR, « Échéanciers »,
« Montants forcés ») plus « Paramètres LCR » and « Gestion des LCR ».

Every button goes through the one commit protocol (``reglo.addin.shell.commit.run_button``)
with a pure plan of ``reglo.core.lcr.usecases``:

* « Transfert » → « Gestion des LCR » (nothing written);
* « Continuer » → CFONB 160 file + treasury entries (FEC) + register batch ``lcr``, then the
  sheets « Fichier LCR » (the file read back from its bytes), « Écritures LCR (provisoire) »
  and « Bordereau LCR » (printable);
* « Bordereau d'accompagnement » of an LCR or direct-debit remittance, with its PDF through
  LibreOffice when it is installed;
* « Dévalider la ligne en cours / toutes les lignes du client / TOUS les clients » and the
  bank reject of a whole file.

The loading of the dossier and of the allocation is the direct debits' (``reglo.addin.shell.debits``).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable

from reglo.addin.backends.sheets import Column, read_table
from reglo.addin.backends.base import set_parameter_values
from reglo.addin.shell import debits as sd
from reglo.addin.shell.commit import CommitContext, run_button
from reglo.addin.shell.errors import UserError
from reglo.addin.shell.result import HandlerResult
from reglo.core.alerts import Alert, alert
from reglo.core.lcr import usecases as uc
from reglo.core.lcr.management import SHEET as MANAGEMENT_SHEET
from reglo.core.lcr.models import ACCEPTANCE_LABELS, ManagementColumns
from reglo.core.lcr.params import Keys
from reglo.core.lcr.prepare import PARAMS as PARAMS_SHEET
from reglo.core.lcr.unvalidate import Scope
from reglo.core.outcome import Outcome

CONFIRM_KEYS = ("Dévalider TOUS : première confirmation", "Dévalider TOUS : seconde confirmation")
PARAMS_HELP = (
    (Keys.REMITTANCE_DATE, "", "jj/mm/aaaa ; vide : aujourd'hui (en-tête du fichier, date de l'écriture)"),
    (Keys.REMITTANCE_REF, "", "11 caractères ; vide : L + AAMMJJHHMM"),
    (Keys.JOURNAL, "", "banque dossier qui reçoit la remise (code journal) ; vide : la « Banque dossier » des Options"),
    (Keys.COLLECTION_OPTION, "3 - Encaissement", "1 escompte, 2 escompte en valeur, 3 encaissement, 4 encaissement avec délai fixe"),
    (Keys.DAILLY, "", "vide, 0 sans indication, 1 cession escompte, 2 nantissement, 3 hors convention"),
    (Keys.CONVENTION, "", "type de convention Dailly (6 caractères donnés par la banque)"),
    (Keys.VALUE_DATE, "", "obligatoire avec les codes entrée 1 et 2"),
    (Keys.LETTERING, "Non", "Oui : lettrer les factures réglées (N et N+1)"),
    (Keys.GROUP, "Oui", "Oui : une ligne par tiers ; Non : une ligne par facture"),
    (Keys.LABEL, "", "31 caractères ; {DATE} {JOUR} {MOIS} {ANNEE} {PIECE} {RAISON_SOCIALE} {LIBELLE_COMPTE}"),
    (Keys.LINE_ENDING, "CRLF", "CRLF ou Aucun (certaines banques refusent les sauts de ligne)"),
    (CONFIRM_KEYS[0], "", "« Dévalider TOUS les clients » : Oui pour confirmer (1/2)"),
    (CONFIRM_KEYS[1], "", "« Dévalider TOUS les clients » : Oui pour confirmer encore (2/2) ; effacé après usage"),
    ("Remise rejetée", "", "bouton « Rejet d'une remise LCR » : référence ou nom du fichier rejeté par la banque"),
    ("Motif du rejet", "", "motif noté au registre"),
    (Keys.COLLECTION_ACCOUNT, "511300", "compte effets à l'encaissement (codes entrée 3 et 4)"),
    (Keys.DISCOUNT_ACCOUNT, "511400", "compte effets à l'escompte (codes entrée 1 et 2)"),
)
SLIP_SHEETS = {uc.KIND: "Bordereau LCR", "prelevement": "Bordereau prélèvements"}


def now():
    """The shell's clock: the direct debits' (the CLI's ``--now`` and the demo replace it)."""
    return sd.now()


# ---------------------------------------------------------------------------
# workbook
# ---------------------------------------------------------------------------

def ensure_params(book: Any, values: dict[str, Any] | None = None) -> None:
    """« Paramètres LCR » (created when missing), then ``values`` written into it."""
    book = sd._book(book)
    sd.ensure_workbook(book)
    if PARAMS_SHEET not in book.sheet_names():
        book.write_sheet(PARAMS_SHEET, [Column("Paramètre", None, 44), Column("Valeur", None, 24), Column("Aide", None, 90)],
                         [list(r) for r in PARAMS_HELP], title="Options de génération « LCR magnétique »")
    if values:
        set_parameter_values(book, PARAMS_SHEET, values)


def param_values(book: Any) -> dict[str, Any]:
    if PARAMS_SHEET not in book.sheet_names():
        return {}
    table = read_table(book, PARAMS_SHEET, required=["Paramètre", "Valeur"])
    return {str(r.get("Paramètre") or "").strip(): r.get("Valeur") for r in table.rows if r.get("Paramètre")}


def _bank_option(book: Any) -> str | None:
    values = param_values(book)
    given = str(values.get(Keys.JOURNAL) or "").strip()
    if given:
        return given.upper()
    opt = str(sd.option_values(book).get("Banque dossier", (None, ""))[1] or "").strip()
    return opt.upper() or None


def _remittance_date(book: Any) -> date:
    from reglo.core.dossier import cell_date

    try:
        return cell_date(param_values(book).get(Keys.REMITTANCE_DATE)) or now().date()
    except ValueError:
        return now().date()


def write_sheets(book: Any, outcome: Outcome) -> None:
    for s in outcome.sheets:
        sd._write(book, s)
        if s.name == MANAGEMENT_SHEET:
            table = read_table(book, MANAGEMENT_SHEET, required=[ManagementColumns.ACCOUNT])
            col = table.column_index(ManagementColumns.ACCEPTANCE)
            if col:
                book.set_list_validation(MANAGEMENT_SHEET, table.header_row + 1, table.header_row + 2000, col, list(ACCEPTANCE_LABELS.values()),
                                         title="Accept.", error="0 - Non acceptée, 1 - Acceptée ou 2 - Billet à ordre.")
    slip = outcome.data.get("slip")
    if slip is not None:
        write_slip(book, slip, SLIP_SHEETS.get(outcome.data.get("slip_kind", uc.KIND), slip.name))


def write_slip(book: Any, slip: Any, name: str) -> None:
    """The laid-out slip (``reglo.core.slips.SlipSheet``) as a printable sheet: styles, merged
    title rows, one page wide, header rows repeated, page numbers in the footer."""
    wb = getattr(book, "wb", None)
    if wb is None:  # live Excel (xlwings): the values, then the same print set-up through Excel's object model
        write_live_slip(book, slip, name)
        return
    if name in wb.sheetnames:
        del wb[name]
    fill_slip(wb.create_sheet(name), slip)


def write_live_slip(book: Any, slip: Any, name: str) -> bool:
    """The slip in a workbook open in Excel: its first row (the title) as the sheet's header
    row, so that every row of the slip keeps its row number, then the print set-up of
    :func:`fill_slip` (one page wide, orientation, A4, centred, title in the header, page
    numbers in the footer, print area, repeated rows) when the engine has one (desktop Excel;
    Office.js engines get the print area only). Returns True when the set-up was applied."""
    from openpyxl.utils import get_column_letter

    width = len(slip.column_widths)
    first = [c.value for c in slip.rows[0]] if slip.rows else []
    cols = [Column(str(first[i]) if i < len(first) and first[i] is not None else "", None, w) for i, w in enumerate(slip.column_widths)]
    book.write_sheet(name, cols, [[c.value for c in row] for row in slip.rows[1:]], title=None, freeze=False, fit_width=True)
    setup = getattr(book, "set_print_setup", None)
    if setup is None:
        return False
    return setup(name, fit_width=slip.fit_to_width, fit_height=slip.fit_to_height, landscape=slip.landscape, a4=True, center_horizontally=True,
                 header_center=slip.title, footer_right=slip.footer, print_area=f"$A$1:${get_column_letter(width)}${max(1, len(slip.rows))}",
                 title_rows=slip.repeat_rows)


def fill_slip(ws: Any, slip: Any) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="808080")
    styles = {
        "title": (Font(bold=True, size=14), None, None),
        "subtitle": (Font(bold=True, size=11), None, None),
        "label": (Font(italic=True, size=9), None, None),
        "header": (Font(bold=True), PatternFill("solid", fgColor="D9E1F2"), Border(bottom=thin)),
        "total_label": (Font(bold=True), PatternFill("solid", fgColor="F2F2F2"), Border(top=thin)),
        "total_count": (Font(bold=True), PatternFill("solid", fgColor="F2F2F2"), Border(top=thin)),
        "total_money": (Font(bold=True), PatternFill("solid", fgColor="F2F2F2"), Border(top=thin)),
    }
    for r, row in enumerate(slip.rows, start=1):
        for c, cell in enumerate(row, start=1):
            target = ws.cell(row=r, column=c, value=cell.value)
            font, fill, border = styles.get(cell.style, (None, None, None))
            if font is not None:
                target.font = font
            if fill is not None:
                target.fill = fill
            if border is not None:
                target.border = border
            fmt = slip.number_formats.get(cell.style)
            if fmt:
                target.number_format = fmt
            if cell.style in ("money", "total_money", "count", "total_count"):
                target.alignment = Alignment(horizontal="right")
    for r, first, last in slip.merges:
        ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
    for i, width in enumerate(slip.column_widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = slip.fit_to_width
    ws.page_setup.fitToHeight = slip.fit_to_height
    ws.page_setup.orientation = "landscape" if slip.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.horizontalCentered = True
    ws.oddHeader.center.text = slip.title
    ws.oddFooter.right.text = slip.footer
    ws.print_area = f"A1:{get_column_letter(len(slip.column_widths))}{len(slip.rows)}"
    if slip.repeat_rows:
        ws.print_title_rows = f"{slip.repeat_rows[0]}:{slip.repeat_rows[1]}"


def slip_pdf(slip: Any) -> tuple[bytes | None, list[Alert]]:
    """The slip as PDF through LibreOffice (``soffice --headless --convert-to pdf``), or an
    alert saying why not (LibreOffice absent, conversion failed)."""
    from openpyxl import Workbook

    sheet = slip.name
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        return None, [alert("SLIP_PDF_UNAVAILABLE", slip_sheet=sheet)]
    with tempfile.TemporaryDirectory(prefix="reglo-slip-") as tmp:
        wb = Workbook()
        ws = wb.active
        ws.title = sheet[:31]
        fill_slip(ws, slip)
        source = Path(tmp) / "bordereau.xlsx"
        wb.save(source)
        profile = Path(tmp) / "profile"
        try:
            done = subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(source)],
                                  capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            return None, [alert("SLIP_PDF_FAILED", detail="LibreOffice ne répond pas", slip_sheet=sheet)]
        pdf = Path(tmp) / "bordereau.pdf"
        if done.returncode != 0 or not pdf.is_file():
            return None, [alert("SLIP_PDF_FAILED", detail=f"LibreOffice a terminé avec le code {done.returncode}", slip_sheet=sheet)]
        return pdf.read_bytes(), []


# ---------------------------------------------------------------------------
# buttons
# ---------------------------------------------------------------------------

def _result(book: Any, res: Any, summary: str | None = None) -> HandlerResult:
    outcome = res.outcome
    if res.status == "blocked":
        outcome = outcome.model_copy(update={"sheets": tuple(s for s in outcome.sheets if s.name == MANAGEMENT_SHEET), "data": {}})
    write_sheets(book, outcome)
    text = summary or outcome.summary
    if res.committed and res.batch_id is not None:
        text += f" Enregistré au registre (lot {res.batch_id})."
    return HandlerResult(text, list(res.alerts), [str(p) for p in res.paths])


def transfer_lcr(book: Any, *, dossier: str | Path | None = None, bank: str | None = None, store: Any = None) -> HandlerResult:
    """« Transfert » (mode LCR magnétique): « Gestion des LCR », one row per customer."""
    book = sd._book(book)
    ensure_params(book)
    d = sd._Loaded(book, dossier)
    inputs = d.inputs(book)
    chosen = (bank or _bank_option(book) or "").upper() or None
    day = _remittance_date(book)
    res = run_button(d.folder, lambda ctx: uc.plan_transfer(inputs, d.dossier, ctx.snapshot, bank=chosen, remittance_date=day), now=now(), store=store,
                     block_on_orphans=False)
    return _result(book, res)


def preview_lcr(book: Any, *, dossier: str | Path | None = None, store: Any = None) -> HandlerResult:
    """« Aperçu » in mode LCR magnétique: the file as « Continuer » would write it, read back
    from its bytes, the provisional journal of the treasury entries at the remittance date and
    the slip; nothing is written nor recorded (the seed's confirmation step)."""
    return continue_lcr(book, dossier=dossier, store=store, preview=True)


def continue_lcr(book: Any, *, dossier: str | Path | None = None, store: Any = None, save_book: bool = False, preview: bool = False) -> HandlerResult:
    """« Continuer »: CFONB 160 file, treasury entries and register batch, committed together;
    then the file read back, the provisional journal and the slip."""
    book = sd._book(book)
    ensure_params(book)
    if MANAGEMENT_SHEET not in book.sheet_names():
        raise UserError("La feuille « Gestion des LCR » est absente : lancez d'abord « Transfert » (reglo debits lcr transfer).")
    table = read_table(book, MANAGEMENT_SHEET, required=[ManagementColumns.ACCOUNT])
    missing = table.missing([ManagementColumns.ACCOUNT, ManagementColumns.CREATION, ManagementColumns.DUE])
    if missing:
        raise UserError(f"Feuille « Gestion des LCR » : colonne(s) {', '.join(missing)} absente(s). Relancez « Transfert » pour la recréer.")
    records = [r.values for r in table.rows if str(r.get(ManagementColumns.ACCOUNT) or "").strip()]
    numbers = [r.excel_row for r in table.rows if str(r.get(ManagementColumns.ACCOUNT) or "").strip()]
    values = param_values(book)
    bank = _bank_option(book)
    day = _remittance_date(book)
    d = sd._Loaded(book, dossier, collection_day=day)
    inputs = d.inputs(book)

    def plan(ctx: CommitContext) -> Outcome:
        from reglo.addin.shell.settlements import read_copy_state

        state = read_copy_state(d.fec_path, d.folder) if d.fec_path is not None and not preview else None
        out = uc.plan_continue(inputs, d.dossier, ctx.snapshot, records=records, row_numbers=numbers, param_values=values, bank=bank, now=ctx.now,
                               existing_names=ctx.names_in(uc.FOLDER), fiscal_year_end=d.year_end, ledger=d.ledger, copy_state=state)
        if preview and not out.has_blocking:
            out = uc.preview_of(out)
        return out

    res = run_button(d.folder, plan, now=now(), store=store)
    out = _result(book, res)
    if save_book and res.committed:
        book.save()
    return out


def slip(book: Any, *, kind: str = "lcr", reference: str | None = None, pdf: bool = False, dossier: str | Path | None = None,
         store: Any = None) -> HandlerResult:
    """« Bordereau d'accompagnement » of the latest (or the named) LCR / direct-debit remittance;
    ``pdf``: also its PDF through LibreOffice, written through the commit protocol."""
    book = sd._book(book)
    sd.ensure_workbook(book)
    if kind not in SLIP_SHEETS:
        raise UserError(f"Type de bordereau « {kind} » inconnu : lcr ou prelevement.")
    folder = sd.dossier_folder(book, dossier)
    from reglo.addin.shell.dossier import load_dossier

    loaded = load_dossier(folder)
    extra: list[Alert] = []

    def plan(ctx: CommitContext) -> Outcome:
        out = uc.plan_slip(ctx.snapshot, loaded.dossier, kind=kind, reference=reference, now=ctx.now)
        out = out.model_copy(update={"data": {**out.data, "slip_kind": kind}})
        if not pdf or out.has_blocking:
            return out
        data, a = slip_pdf(out.data["slip"])
        extra.extend(a)
        folder_name = uc.FOLDER if kind == uc.KIND else "prelevements"
        done = uc.slip_batch(out, ctx.snapshot, now=ctx.now, pdf=data, existing_names=ctx.names_in(folder_name))
        return done.model_copy(update={"alerts": done.alerts + tuple(a)})

    res = run_button(folder, plan, now=now(), store=store, block_on_orphans=False)
    result = _result(book, res)
    if pdf and res.committed:
        result.summary += f" PDF : {res.paths[0].name}."
    return result


def _ledger_lettered_on(ledger: Any) -> dict[str, date]:
    """Item key → lettering date of the lettered customer lines of the ledger."""
    from reglo.core.ledger import as_date
    from reglo.core.transfers.selection import line_keys

    if ledger is None or getattr(ledger, "empty", True):
        return {}
    keys = line_keys(ledger)
    out = {}
    for key, code, on, day in zip(keys.tolist(), ledger["lettering_code"].tolist(), ledger["lettered_on"].tolist(), ledger["entry_date"].tolist()):
        if str(code or "").strip():
            out[key] = as_date(on) or as_date(day)
    return {k: v for k, v in out.items() if v is not None}


def _fiscal_year(d: Any, day: date) -> tuple[date, date]:
    from reglo.core.fec_names import closing_date

    end = closing_date(d.dossier.company.fiscal_year_end, day)
    try:
        start = end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:
        start = end.replace(year=end.year - 1, day=28) + timedelta(days=1)
    return start, end


def current_line(book: Any) -> tuple[str, str]:
    """(Clé, Code client) of the row selected in « Détail » (live Excel); a French error when
    there is no selection to read (then give --key / --customer)."""
    from reglo.core.debits.tables import DETAIL_SHEET

    raw = getattr(book, "book", None) or book
    try:
        selection = raw.app.selection
        sheet, row = selection.sheet.name, selection.row
    except Exception as exc:  # no live Excel: nothing selected
        raise UserError("Sélectionnez d'abord une ligne de la feuille « Détail » (ou indiquez la clé de la ligne / le client).") from exc
    if sheet != DETAIL_SHEET:
        raise UserError("Sélectionnez une ligne de la feuille « Détail » avant de dévalider.")
    table = read_table(sd._book(book), DETAIL_SHEET, required=["Clé"])
    found = next((r for r in table.rows if r.excel_row == row), None)
    if found is None:
        raise UserError(f"La ligne {row} de « Détail » est vide : sélectionnez une ligne de facture.")
    return str(found.get("Clé") or ""), str(found.get("Code client") or "")


def ask_confirmations(book: Any) -> int:
    """« Dévalider TOUS les clients »: the two confirmations are the two « Oui » the user typed
    in « Paramètres LCR » (a button cannot hold a dialogue open); they are cleared once read,
    so that every run asks for them again."""
    book = sd._book(book)
    ensure_params(book)
    values = {k.casefold(): v for k, v in param_values(book).items()}
    given = 0
    for key in CONFIRM_KEYS:
        if str(values.get(key.casefold()) or "").strip().lower() not in ("oui", "o", "x", "1", "yes"):
            break
        given += 1
    ensure_params(book, {k: "" for k in CONFIRM_KEYS})
    return given


def reject_request(book: Any) -> tuple[str, str]:
    """(« Remise rejetée », « Motif du rejet ») from « Paramètres LCR »."""
    values = param_values(sd._book(book))
    return str(values.get("Remise rejetée") or "").strip(), str(values.get("Motif du rejet") or "").strip() or "rejet de la banque"


SCOPES = {"ligne": Scope.LINE, "client": Scope.PARTY, "tous": Scope.ALL}
# which collections an un-validation re-opens: LCR lines, direct-debit lines, or both
UNVALIDATE_KINDS = {"lcr": ("lcr",), "prelevement": ("prelevement",), "tous": ("prelevement", "lcr")}
_MODE_KINDS = {"lcr": "lcr", "prélèvement": "prelevement", "prelevement": "prelevement"}


def line_kind(book: Any, key: str) -> str:
    """The kind of the line ``key`` of « Détail » from its « Mode » (« LCR » → ``lcr``,
    « Prélèvement » → ``prelevement``); ``tous`` when the mode tells neither (the line was
    re-assigned since it was collected: both are looked for)."""
    from reglo.core.debits.tables import DETAIL_SHEET

    if DETAIL_SHEET not in sd._book(book).sheet_names():
        return "tous"
    table = read_table(sd._book(book), DETAIL_SHEET, required=["Clé"])
    row = next((r for r in table.rows if str(r.get("Clé") or "") == key), None)
    return _MODE_KINDS.get(str(row.get("Mode") or "").strip().casefold(), "tous") if row is not None else "tous"


def clear_validated(book: Any, items: Iterable[str]) -> int:
    """Remove the green « V » of the re-opened lines in « Détail » (else it would be read back as
    validated and the line never collected again); returns how many were cleared."""
    from reglo.core.debits.tables import DETAIL_SHEET

    wanted = set(items)
    if not wanted or DETAIL_SHEET not in book.sheet_names():
        return 0
    table = read_table(book, DETAIL_SHEET, required=["Clé"])
    col = table.column_index("V")
    if col is None:
        return 0
    where = [(r.excel_row, col) for r in table.rows if str(r.get("Clé") or "") in wanted and str(r.get("V") or "").strip()]
    if where:
        book.write_cells(DETAIL_SHEET, {cell: None for cell in where})
        book.fill(DETAIL_SHEET, where, None)
    return len(where)


def unvalidate(book: Any, scope: str, *, party: str = "", key: str = "", confirmations: int = 0, kind: str = "lcr",
               dossier: str | Path | None = None, store: Any = None) -> HandlerResult:
    """« Dévalider la ligne en cours » (``ligne``, ``key``), « … toutes les lignes du client »
    (``client``, ``party``), « Dévalider TOUS les clients » (``tous``, two confirmations), for
    LCR lines (``kind="lcr"``), direct-debit lines (``"prelevement"``) or both (``"tous"``):
    one commit per kind; the re-opened lines lose their green « V » in « Détail »."""
    book = sd._book(book)
    sd.ensure_workbook(book)
    if scope not in SCOPES:
        raise UserError(f"Portée « {scope} » inconnue : ligne, client ou tous.")
    if kind not in UNVALIDATE_KINDS:
        raise UserError(f"Type « {kind} » inconnu : lcr, prelevement ou tous.")
    if scope == "ligne" and not key:
        raise UserError("Dévalider la ligne en cours : indiquez la clé de la ligne (colonne Clé de « Détail », --key).")
    if scope == "client" and not party:
        raise UserError("Dévalider toutes les lignes du client : indiquez le client (--customer).")
    at = now()
    d = sd._Loaded(book, dossier, collection_day=at.date())
    lettered = _ledger_lettered_on(d.ledger)
    year = _fiscal_year(d, at.date())
    results = []
    for k in UNVALIDATE_KINDS[kind]:
        def plan(ctx: CommitContext, k: str = k) -> Outcome:
            return uc.plan_unvalidate(ctx.snapshot, SCOPES[scope], now=ctx.now, fiscal_year=year, seller_siren=d.dossier.company.siren, party_code=party,
                                      item_key=key, lettered_on=lettered, confirmations=confirmations, existing_names=ctx.names_in(uc.FOLDER), kind=k)

        results.append(run_button(d.folder, plan, now=at, store=store, block_on_orphans=False))
    done = [r for r in results if r.committed]
    if len(results) == 1 or not done:
        res = results[0] if len(results) == 1 or not done else done[0]
        out = _result(book, res)
    else:  # both kinds: what each did; « nothing to un-validate » of the other is no news
        outs = [_result(book, r) for r in done]
        out = HandlerResult(" ".join(o.summary for o in outs), [a for o in outs for a in o.alerts], [p for o in outs for p in o.outputs])
    clear_validated(book, [i for r in done for i in (r.outcome.data or {}).get("items", ())])
    return out


def reject(book: Any, *, reference: str, reason: str = "rejet de la banque", dossier: str | Path | None = None, store: Any = None) -> HandlerResult:
    """Bank reject of a whole LCR file: reversal entry, cancellation records and the
    cancellation of the remittance in the register (its invoices can be remitted again), in
    one commit (``Outcome.cancels``)."""
    book = sd._book(book)
    sd.ensure_workbook(book)
    if not (reference or "").strip():
        raise UserError("Rejet d'une remise LCR : indiquez sa référence ou le nom de son fichier (--reference).")
    at = now()
    d = sd._Loaded(book, dossier, collection_day=at.date())

    def plan(ctx: CommitContext) -> Outcome:
        return uc.plan_bank_reject(ctx.snapshot, d.dossier, now=ctx.now, reason=reason, reference=reference.strip(), fiscal_year_end=d.year_end,
                                   existing_names=ctx.names_in(uc.FOLDER))

    res = run_button(d.folder, plan, now=at, store=store, block_on_orphans=False)  # the cancellation is in the same commit
    return _result(book, res)
