"""Supplier transfers, workbook side: « Paramètres virements » → « Prévisualisation
virements » → « Virements » + « Écritures » + the SEPA file, with the payment register.

Same functions for the ribbon (``xw.Book`` through ``as_workbook``), the CLI
(``FileWorkbook``) and the demo step. Business rules live in ``reglo.core.transfers``; the
button that writes (« Générer le fichier ») is the pure plan
``reglo.core.transfers.usecases.plan_generate`` run inside the commit protocol
(``reglo.addin.shell.commit.run_button``): this module only reads the workbook and the dossier,
calls the plan inside the dossier lock, and writes the sheets after the commit.

* « Importer » reads the ledger of the dossier, writes the preview and a hidden snapshot
  of the import (sheet ``_Reglo virements``: one JSON line per preview line, plus the
  register mark at import time).
* « Afficher » rebuilds the preview from the snapshot **without re-importing**, keeping the
  user's « Sélection » / « Montant » / « Groupe », and lists every beneficiary of the
  import, with the lines paid since then marked « Payé ».
* « Générer le fichier »: inside the dossier lock, the register is re-read, the lines paid
  since the import are skipped (``ALREADY_PAID``), the MsgId is handed out by the register,
  the pain.001 (validated against its XSD), the entries ``<SIREN>FEC<closing>-<MsgId>.txt`` and the
  lettered copy of the ledger are committed with the batch; then « Virements », « Écritures »,
  « Lettrage » and the preview are written (a workbook that cannot be saved never un-pays).
* « Annuler un fichier » cancels a file in the register (bank reject): its invoices are
  payable again at the next import.

Register: batch kind ``virement``, reference = MsgId, files = the pain.001 (role ``bank``) and
the entries (role ``entries``); line ``item_key`` = ledger line key, ``amount_cents`` = amount
paid (negative for a debit consumed in a group), ``original_cents`` = amount proposed before the
user's edit, ``payment_key`` = item key + the batches that had paid it when the preview was
imported (``reglo.core.transfers.usecases.payment_keys``), ``meta.e2e`` = EndToEndId.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from reglo.addin.shell.result import HandlerResult
from reglo.addin.shell.commit import open_register, relative_folder, run_button, write_sheets
from reglo.addin.shell.settlements import read_copy_state
from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, Column, Formula, Workbook, WorkbookError, as_workbook, read_table
from reglo.addin.backends.base import set_parameter_values
from reglo.addin.shell.errors import UserError
from reglo.addin.shell.registry.base import RegisterError
from reglo.core.alerts import Alert, alert, summary_fr
from reglo.core.entries import Settlement
from reglo.core.models import AccountKind, Party, PostalAddress
from reglo.core.money import ZERO, format_display
from reglo.core.transfers import (
    KIND,
    Edit,
    PaidAllocation,
    PreviewLine,
    TransferParameters,
    apply_edits,
    check_beneficiaries,
    check_selection,
    import_lines,
)
from reglo.core.transfers import usecases as uc
from reglo.core.transfers.params import LABELS, parse_parameters, template_rows
from reglo.core.register_state import RegisterSnapshot

PARAMS_SHEET = "Paramètres virements"
PREVIEW_SHEET = "Prévisualisation virements"
TRANSFERS_SHEET = "Virements"
ENTRIES_SHEET = "Écritures"
SNAPSHOT_SHEET = "_Reglo virements"
OWNER = "transfers"

now: Callable[[], datetime] = datetime.now  # the add-in's clock (tests replace it)

PREVIEW_COLUMNS = [
    Column("Ligne", None, 7),
    Column("Bénéficiaire", None, 14),
    Column("Nom", None, 30),
    Column("Compte", None, 10),
    Column("Journal", None, 8),
    Column("N° écriture", None, 10),
    Column("Date", DATE_FORMAT, 11),
    Column("Pièce", None, 16),
    Column("Libellé", None, 30),
    Column("Échéance", DATE_FORMAT, 11),
    Column("Type", None, 9),
    Column("Montant d'origine", EURO_FORMAT, 15),
    Column("Reste à payer", EURO_FORMAT, 15),
    Column("Montant", EURO_FORMAT, 15),
    Column("Sélection", None, 10),
    Column("Groupe", None, 8),
    Column("Statut", None, 34),
    Column("Clé", None, 12, hidden=True),  # technical: the ledger line's identity, read back by « Afficher » / « Générer »
]
_COL = {c.header: i for i, c in enumerate(PREVIEW_COLUMNS, start=1)}


# ---------------------------------------------------------------------------
# dossier
# ---------------------------------------------------------------------------

@dataclass
class TransfersDossier:
    """What the transfers workflow needs from a dossier."""

    folder: Path
    parties: dict[str, Party]
    ledger: pd.DataFrame
    company_name: str = ""
    siren: str = ""
    company_address: PostalAddress = PostalAddress()
    fiscal_year: tuple[date | None, date | None] = (None, None)
    banks: list[Any] = field(default_factory=list)  # CompanyBankAccount
    alerts: list[Alert] = field(default_factory=list)
    fec_path: Path | None = None  # the dossier's FEC (its lettered copy is written beside it)

    def defaults(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "debtor_name": self.company_name,
            "debtor_address": self.company_address,
            "initiating_party_id": self.siren,
            "fiscal_year_start": self.fiscal_year[0],
            "fiscal_year_end": self.fiscal_year[1],
        }
        if self.banks:
            b = self.banks[0]
            out.update(debtor_iban=str(b.iban), debtor_bic=str(b.bic or ""), bank_journal=b.journal_code, bank_account=b.ledger_account)
        return {k: v for k, v in out.items() if v not in (None, "")}

    def snapshot(self) -> RegisterSnapshot:
        """The register as it is now (outside the lock: for display only)."""
        return read_register(self.folder)

    def view(self) -> uc.TransfersDossierView:
        return uc.TransfersDossierView(parties=self.parties, ledger=self.ledger, alerts=tuple(self.alerts),
                                       journal_labels={b.journal_code: b.label for b in self.banks}, fiscal_year_end=self.fiscal_year[1],
                                       siren=self.siren)

    def bank_for(self, iban: str):
        compact = "".join(iban.split()).upper()
        return next((b for b in self.banks if str(b.iban) == compact), None)


def load_transfers_dossier(path: str | Path) -> TransfersDossier:
    """Load a dossier (folder or dossier.xlsx) with ``reglo.addin.shell.dossier.load_dossier``."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"Dossier introuvable : {p}. Indiquez le dossier de la société dans « {PARAMS_SHEET} » (ligne « Dossier ») ou avec --dossier.")
    from reglo.addin.shell.dossier import load_dossier

    loaded = load_dossier(p)
    d = loaded.dossier
    ledger = getattr(loaded, "ledger", None)
    if ledger is None:
        raise UserError(f"Le dossier {loaded.folder} n'a pas de FEC : les virements partent des écritures non lettrées.")
    company = d.company
    return TransfersDossier(
        folder=Path(loaded.folder),
        parties={party.code: party for party in d.parties},
        ledger=ledger.frame,
        company_name=company.legal_name,
        siren=company.siren,
        company_address=company.address,
        fiscal_year=(company.fiscal_year_start, company.fiscal_year_end),
        banks=list(company.bank_accounts),
        alerts=[a for a in (getattr(loaded, "alerts", None) or []) if a.is_blocking],
        fec_path=Path(loaded.fec_path) if getattr(loaded, "fec_path", None) else None,
    )


def read_register(folder: str | Path) -> RegisterSnapshot:
    """A snapshot of the dossier's register, read without the lock (display, import)."""
    store = open_register(Path(folder))
    try:
        return store.snapshot()
    finally:
        store.close()


def allocations(snapshot: RegisterSnapshot) -> tuple[list[PaidAllocation], int]:
    """Live transfer-file lines of the register, and the register mark (last batch id)."""
    return uc.allocations(snapshot)


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------

def ensure_params_sheet(book: Workbook, values: dict[str, Any] | None = None) -> bool:
    """Create « Paramètres virements » when missing (returns True when created)."""
    if PARAMS_SHEET in book.sheet_names():
        if values:
            set_params(book, values)
        return False
    book.write_sheet(PARAMS_SHEET, [Column("Paramètre", None, 44), Column("Valeur", None, 30), Column("Aide", None, 70)], template_rows(values), title="Paramètres des virements fournisseurs")
    return True


def set_params(book: Workbook, values: dict[str, Any]) -> None:
    """Write values (label → value) into the « Valeur » column of existing rows."""
    set_parameter_values(book, PARAMS_SHEET, values, add_missing=False)


def read_params(book: Workbook, *, dossier: TransfersDossier | None = None) -> tuple[TransferParameters | None, dict[str, Any], list[Alert]]:
    if PARAMS_SHEET not in book.sheet_names():
        return None, {}, [alert("SHEET_MISSING", sheet=PARAMS_SHEET, name=PARAMS_SHEET, found=", ".join(book.sheet_names()))]
    table = read_table(book, PARAMS_SHEET, required=["Paramètre", "Valeur"])
    rows = [(r.excel_row, r.get("Paramètre"), r.get("Valeur")) for r in table.rows]
    defaults = dossier.defaults() if dossier else {}
    params, extras, alerts = parse_parameters(rows, defaults=defaults)
    if params is not None and dossier is not None:
        bank = dossier.bank_for(params.debtor_iban)
        if bank is not None:
            explicit = {LABELS[str(l).strip()][0] for _, l, v in rows if str(l or "").strip() in LABELS and v not in (None, "")}
            update = {}
            if "bank_journal" not in explicit:
                update["bank_journal"] = bank.journal_code
            if "bank_account" not in explicit:
                update["bank_account"] = bank.ledger_account
            if "debtor_bic" not in explicit and bank.bic:
                update["debtor_bic"] = str(bank.bic)
            params = params.model_copy(update=update)
    return params, extras, alerts


def dossier_path(book: Workbook, extras: dict[str, Any], override: str | Path | None = None) -> Path:
    if override:
        return Path(override)
    if extras.get("dossier"):
        return Path(str(extras["dossier"]))
    if os.environ.get("REGLO_DOSSIER"):
        return Path(os.environ["REGLO_DOSSIER"])
    path = getattr(book, "path", None) or getattr(getattr(book, "book", None), "fullname", None)
    if path:
        return Path(path).parent
    raise UserError(f"Dossier de la société inconnu : renseignez la ligne « Dossier » de la feuille « {PARAMS_SHEET} ».")


def _load(book: Workbook, dossier: str | Path | TransfersDossier | None) -> tuple[TransfersDossier, TransferParameters | None, dict[str, Any], list[Alert]]:
    if isinstance(dossier, TransfersDossier):
        d = dossier
    else:
        _, extras, _ = read_params(book)
        d = load_transfers_dossier(dossier_path(book, extras, dossier))
    params, extras, alerts = read_params(book, dossier=d)
    _, others = split_party_alerts(d)
    return d, params, extras, others + alerts


def split_party_alerts(d: TransfersDossier) -> tuple[dict[str, list[Alert]], list[Alert]]:
    """The dossier's alerts on a party's row of « Tiers » (by party code), and the others."""
    return uc.split_party_alerts(d.parties, d.alerts)


def party_alerts(d: TransfersDossier, lines: list[PreviewLine]) -> list[Alert]:
    """Dossier problems of the beneficiaries (``reglo.core.transfers.usecases.party_alerts``)."""
    return uc.party_alerts(d.parties, d.alerts, lines)


# ---------------------------------------------------------------------------
# snapshot
# ---------------------------------------------------------------------------

def write_snapshot(book: Workbook, lines: list[PreviewLine], meta: dict[str, Any]) -> None:
    rows = [[json.dumps(meta, ensure_ascii=False, default=str)]] + [[l.model_dump_json()] for l in lines]
    book.write_sheet(SNAPSHOT_SHEET, ["Données"], rows, freeze=False)
    book.hide_sheet(SNAPSHOT_SHEET)


def read_snapshot(book: Workbook) -> tuple[list[PreviewLine], dict[str, Any]] | None:
    if SNAPSHOT_SHEET not in book.sheet_names():
        return None
    values = [r[0] for r in book.read_values(SNAPSHOT_SHEET)[1:] if r and r[0] not in (None, "")]
    if not values:
        return None
    try:
        meta = json.loads(str(values[0]).lstrip("'"))
        lines = [PreviewLine.model_validate_json(str(v).lstrip("'")) for v in values[1:]]
    except ValueError as exc:
        raise UserError(f"La feuille masquée « {SNAPSHOT_SHEET} » a été modifiée et n'est plus lisible. Relancez « Importer ».") from exc
    return lines, meta


# ---------------------------------------------------------------------------
# preview sheet
# ---------------------------------------------------------------------------

def _yes(b: bool) -> str:
    return "Oui" if b else "Non"


def _stamp(text: str) -> Any:
    """The import's time stamp as a date-time cell (shown jj/mm/aaaa hh:mm), the text when unreadable."""
    try:
        return datetime.fromisoformat(str(text)[:16])
    except ValueError:
        return str(text)[:16].replace("T", " ")


def write_preview(book: Workbook, lines: list[PreviewLine], meta: dict[str, Any], status: dict[str, str] | None = None, others: list[tuple[str, str]] | None = None) -> dict[str, int]:
    """Write the preview grouped by beneficiary with live totals; returns key → Excel row.

    ``others``: beneficiaries of the dossier with nothing to pay (listed by « Afficher »).
    """
    status = status or {}
    preamble = [
        ["Import du", _stamp(meta.get("imported_at", "")), "Période", f"{meta.get('period', '')}"],
        ["Débits non lettrés", _yes(bool(meta.get("import_debits"))), "Racines", meta.get("roots", "")],
        ["Total de la sélection", None],
    ]
    title = "Prévisualisation des virements fournisseurs"
    # header row = 3 (title) + len(preamble) + 1
    header_row = 3 + len(preamble) + 1
    rows: list[list[Any]] = []
    where: dict[str, int] = {}
    amount_col = _letter(_COL["Montant"])
    sel_col = _letter(_COL["Sélection"])
    by_who: dict[str, list[PreviewLine]] = {}
    for l in lines:
        by_who.setdefault(l.beneficiary, []).append(l)
    for who, group in by_who.items():
        first = header_row + 1 + len(rows)
        for l in group:
            where[l.key] = header_row + 1 + len(rows)
            st = status.get(l.key) or ("Montant modifié" if l.is_edited else ("À payer" if l.selected else "Non sélectionnée"))
            rows.append([
                l.line_no, l.beneficiary, l.beneficiary_name, l.ledger_account, l.journal_code, l.entry_number, l.entry_date,
                l.document_ref, l.label, l.due_date, l.kind.value, l.original_amount, l.open_amount, l.amount,
                _yes(l.selected), l.group, st, l.key,
            ])
        total_all = sum((l.open_amount for l in group), ZERO)
        # the beneficiary's own rows, just above: no text from the ledger inside the formula
        # (a code with a quote, a wildcard or a leading « = » / « > » would change a criterion)
        last = header_row + len(rows)
        sel = Formula(f'=SUMIFS({amount_col}{first}:{amount_col}{last},{sel_col}{first}:{sel_col}{last},"Oui")')
        rows.append([None, f"Total {who}", group[0].beneficiary_name, None, None, None, None, None, None, None, None,
                     sum((l.original_amount for l in group), ZERO), total_all, sel, None, None, "← total sélectionné du bénéficiaire", None])
    for code, name in others or []:
        rows.append([None, code, name, None, None, None, None, None, None, None, None, 0, 0, 0, None, None, "Aucune ligne à payer sur la période", None])
    rows.append([None, "Total de la sélection", None, None, None, None, None, None, None, None, None, None, None,
                 Formula(f'=SUMIFS({amount_col}:{amount_col},{sel_col}:{sel_col},"Oui")'), None, None, None, None])
    preamble[2][1] = Formula(f"={amount_col}{header_row + len(rows)}")
    got = book.write_sheet(PREVIEW_SHEET, PREVIEW_COLUMNS, rows, title=title, preamble=preamble)
    if got != header_row:  # backend laid the header elsewhere: shift the positions
        where = {k: v - header_row + got for k, v in where.items()}
    return where


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def read_edits(book: Workbook) -> list[Edit]:
    if PREVIEW_SHEET not in book.sheet_names():
        return []
    table = read_table(book, PREVIEW_SHEET, required=["Clé", "Sélection", "Montant"])
    missing = table.missing(["Clé", "Sélection", "Montant", "Groupe"])
    if missing:
        raise UserError(f"La feuille « {PREVIEW_SHEET} » n'a plus la colonne « {missing[0]} » : relancez « Importer » ou « Afficher ».")
    out = []
    for r in table.rows:
        key = r.get("Clé")
        if key in (None, ""):
            continue  # totals and blank rows
        out.append(Edit(r.excel_row, str(key).lstrip("'"), r.get("Sélection"), r.get("Montant"), r.get("Groupe")))
    return out


def _relocate(alerts: list[Alert], rows: dict[int, int]) -> list[Alert]:
    """Alerts computed on line numbers (row = line_no + 1) → the preview's Excel rows."""
    return [a.model_copy(update={"row": rows.get(a.row, a.row)}) if a.sheet == PREVIEW_SHEET and a.row is not None else a for a in alerts]


# ---------------------------------------------------------------------------
# the four buttons
# ---------------------------------------------------------------------------

def import_transfers(book: Any, *, dossier: str | Path | TransfersDossier | None = None) -> HandlerResult:
    """« Importer »: ledger + register → preview (and the hidden snapshot)."""
    book = as_workbook(book)
    if ensure_params_sheet(book):
        return _finish(book, [alert("TRANSFER_PARAM_MISSING", sheet=PARAMS_SHEET, name="Période du", hint="la feuille vient d'être créée : renseignez-la puis relancez « Importer »")], "Feuille « Paramètres virements » créée : renseignez-la puis relancez « Importer ».")
    d, params, extras, alerts = _load(book, dossier)
    if params is None:
        return _finish(book, alerts, "Paramètres invalides : rien n'a été importé.")
    allocs, mark = allocations(d.snapshot())
    names = {code: p.legal_name for code, p in d.parties.items()}
    result = import_lines(d.ledger, params, allocations=allocs, party_names=names)
    lines = list(result.lines)
    meta = {
        "imported_at": now().isoformat(timespec="seconds"),
        "register_mark": mark,
        "period": f"du {params.period_start:%d/%m/%Y} au {params.period_end:%d/%m/%Y}",
        "import_debits": params.import_debits,
        "roots": ", ".join(params.roots),
        "dossier": str(d.folder),
    }
    write_snapshot(book, lines, meta)
    rows = write_preview(book, lines, meta)
    line_rows = {l.line_no + 1: rows[l.key] for l in lines}
    placed = [l.model_copy(update={"excel_row": rows[l.key]}) for l in lines]
    alerts += _relocate(list(result.alerts), line_rows)
    alerts += check_selection(placed) + check_beneficiaries(placed, d.parties, params) + party_alerts(d, placed)
    who = len({l.beneficiary for l in lines})
    sel = sum((l.amount for l in lines if l.selected), ZERO)
    return _finish(book, alerts, f"{len(lines)} ligne(s) importée(s) pour {who} bénéficiaire(s) ; sélection {format_display(sel)}.")


def show_transfers(book: Any, *, dossier: str | Path | TransfersDossier | None = None) -> HandlerResult:
    """« Afficher »: the preview again from the snapshot, edits kept, every beneficiary listed."""
    book = as_workbook(book)
    snap = read_snapshot(book)
    if snap is None:
        return _finish(book, [alert("PREVIEW_MISSING", sheet=PREVIEW_SHEET)], "Aucun import : cliquez sur « Importer ».")
    lines, meta = snap
    edits = read_edits(book)
    alerts: list[Alert] = []
    if edits:
        lines, alerts = apply_edits(lines, edits)
    status: dict[str, str] = {}
    params = d = None
    try:
        d, params, _, more = _load(book, dossier if dossier is not None else meta.get("dossier"))
        alerts += [a for a in more if a.is_blocking]
        status = _paid_since(d.snapshot(), lines, int(meta.get("register_mark", 0)))
    except RegisterError:
        raise  # an unreadable register: never show lines as payable that may be paid
    except UserError:
        pass  # dossier unreachable: show the snapshot as is
    lines = [l.model_copy(update={"selected": False}) if l.key in status else l for l in lines]
    others = _other_beneficiaries(d, params, lines) if d is not None and params is not None else []
    rows = write_preview(book, lines, meta, status, others)
    placed = [l.model_copy(update={"excel_row": rows[l.key]}) for l in lines]
    alerts = _relocate_edits(alerts, edits, rows)
    alerts += check_selection(placed)
    if params is not None and d is not None:
        alerts += check_beneficiaries(placed, d.parties, params) + party_alerts(d, placed)
    who = len({l.beneficiary for l in lines})
    sel = sum((l.amount for l in placed if l.selected), ZERO)
    return _finish(book, alerts, f"Prévisualisation affichée sans réimport : {len(lines)} ligne(s), {who + len(others)} bénéficiaire(s) dont {len(others)} sans ligne à payer, {len(status)} ligne(s) déjà payée(s) ; sélection {format_display(sel)}.")


def _other_beneficiaries(d: TransfersDossier, params: TransferParameters, lines: list[PreviewLine]) -> list[tuple[str, str]]:
    """Parties of the dossier under the roots (suppliers for 401) with no line in the import."""
    present = {l.beneficiary for l in lines}
    out = []
    for code, party in sorted(d.parties.items()):
        under_roots = party.control_account.startswith(params.roots) or (party.kind == AccountKind.SUPPLIER and "401" in params.supplier_roots)
        if under_roots and party.kind != AccountKind.CUSTOMER and code not in present:
            out.append((code, party.legal_name))
    return out


def _relocate_edits(alerts: list[Alert], edits: list[Edit], rows: dict[str, int]) -> list[Alert]:
    old_to_new = {e.excel_row: rows.get(e.key, e.excel_row) for e in edits}
    return [a.model_copy(update={"row": old_to_new.get(a.row, a.row)}) if a.sheet == PREVIEW_SHEET and a.row is not None else a for a in alerts]


def _paid_since(snapshot: RegisterSnapshot, lines: list[PreviewLine], mark: int) -> dict[str, str]:
    """Key → « Payé … » for lines paid by a live file recorded after the import."""
    return {k: uc.status_text(*v) for k, v in uc.paid_since(snapshot, lines, mark).items()}


def generate_transfers(book: Any, *, dossier: str | Path | TransfersDossier | None = None, out_dir: str | Path | None = None,
                       save_book: bool = False) -> HandlerResult:
    """« Générer le fichier »: the plan ``reglo.core.transfers.usecases.plan_generate`` run and
    committed by ``run_button`` (lock, register re-read, MsgId handed out, pain.001, entries and
    lettered copy written, batch committed), then the sheets (and the workbook with
    ``save_book``); a workbook that cannot be saved leaves the batch committed."""
    book = as_workbook(book)
    snap = read_snapshot(book)
    if snap is None:
        return _finish(book, [alert("PREVIEW_MISSING", sheet=PREVIEW_SHEET)], "Aucun import : cliquez sur « Importer ».")
    snapshot, meta = snap
    d, params, extras, alerts = _load(book, dossier if dossier is not None else meta.get("dossier"))
    if params is None:
        return _finish(book, alerts, "Paramètres invalides : aucun fichier généré.")
    edits = read_edits(book)
    folder = relative_folder(d.folder, out_dir or extras.get("output_folder") or (d.folder / uc.DEFAULT_FOLDER))
    mark = int(meta.get("register_mark", 0))
    created = now().replace(microsecond=0)
    view = d.view()

    def plan(ctx):
        return uc.plan_generate(snapshot, edits, view, ctx.snapshot, params, now=created, import_mark=mark, folder=folder,
                                existing_names=ctx.names_in(folder), copy_state=read_copy_state(d.fec_path, d.folder),
                                check_xml=lambda data, version: check_pain001(data, version))

    result = run_button(d.folder, plan, now=created)
    out = result.outcome
    alerts += result.alerts
    if not result.committed:
        summary = out.summary or "Aucun fichier généré : corrigez les alertes bloquantes."
        if any(a.code == "COMMIT_DUPLICATE_PAYMENT" for a in result.alerts):
            summary = "Aucun fichier généré : ces lignes sont déjà payées par un fichier du registre."
        return _finish(book, alerts, summary)
    data = out.data
    transfers, tplan, update, file_name = data["transfers"], data["plan"], data["update"], data["file_name"]
    outputs = [str(p) for p in result.paths]
    summary = (f"Fichier {file_name} ({params.version}) : {len(transfers)} virement(s), {format_display(tplan.total)}, exécution le {tplan.execution_date:%d/%m/%Y} ; "
               f"enregistré au registre (lot {result.batch_id}). {lettering_summary(update)}")
    try:
        write_sheets(book, out.sheets)  # « Virements », « Écritures », « Lettrage »: the plan's sheets
        lines = data["lines"]
        write_preview(book, [l.model_copy(update={"selected": False}) if l.key in data["status"] else l for l in lines], meta, data["status"])
        if save_book:
            book.save()
    except (OSError, WorkbookError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        return _finish(None, alerts, f"{summary} ATTENTION : le classeur n'a pas pu être enregistré ({detail}) ; le fichier {file_name} est bien écrit et "
                                     "enregistré au registre (ses lignes sont payées) : ne relancez pas « Générer », rouvrez le classeur et cliquez « Importer ».",
                       outputs=outputs)
    return _finish(book, alerts, summary, outputs=outputs)


def check_pain001(data: bytes, version: str) -> list[str]:
    """The XSD check of the generated file (``reglo.core.writers.pain001.check_pain001``)."""
    from reglo.core.writers.pain001 import check_pain001 as check

    return check(data, version)


def cancel_transfer_file(book: Any | None = None, *, reference: str | None = None, reason: str | None = None, dossier: str | Path | TransfersDossier | None = None) -> HandlerResult:
    """« Annuler un fichier »: cancel a file in the register (its invoices become payable)."""
    from reglo.addin.shell.commit import register_session

    wb = as_workbook(book) if book is not None else None
    extras: dict[str, Any] = {}
    if wb is not None and PARAMS_SHEET in wb.sheet_names():
        _, extras, _ = read_params(wb)
    if isinstance(dossier, TransfersDossier):
        folder = dossier.folder
    else:
        folder = Path(dossier) if dossier else (dossier_path(wb, extras) if wb is not None else None)
        if folder is None:
            raise UserError("Indiquez le dossier (--dossier).")
        if folder.suffix.lower() in (".xlsx", ".xlsm") or folder.is_file():
            folder = folder.parent
    ref = str(reference or extras.get("cancel_file") or "").strip()
    why = str(reason or extras.get("cancel_reason") or "rejet de la banque").strip()
    at = now().replace(microsecond=0)
    with register_session(folder, now=at) as (store, _report):
        snap = store.snapshot()
        batch = None
        if ref:
            batch = snap.find(reference=ref) or snap.find(file_name=ref) or snap.find(file_name=Path(ref).name)
            if batch is None and ref.isdigit():
                batch = next((b for b in snap.batches if b.kind == KIND and b.id == int(ref)), None)
        if batch is None or batch.kind != KIND or batch.status not in ("committed", "cancelled"):
            known = ", ".join(uc.bank_file_name(b) for b in snap.live(KIND)) or "aucun"
            alerts = [alert("TRANSFER_FILE_UNKNOWN", sheet=PARAMS_SHEET if wb else None, value=ref, known=known)]
            return _finish(wb, alerts, "Aucun fichier annulé.")
        if batch.status == "cancelled":  # idempotent: says nothing changed
            name = uc.bank_file_name(batch)
            when = batch.cancelled_at.strftime("%d/%m/%Y") if getattr(batch, "cancelled_at", None) else "?"
            alerts = [alert("TRANSFER_FILE_ALREADY_CANCELLED", file=name, date=when, reason=getattr(batch, "cancel_reason", None) or "motif non indiqué")]
            return _finish(wb, alerts, f"Fichier {name} déjà annulé : rien n'a changé.")
        store.set_status(batch.id, "cancelled", at=at, reason=why)
    name = uc.bank_file_name(batch)
    alerts = [alert("TRANSFER_FILE_CANCELLED", file=name, reason=why, count=len(batch.lines))]
    return _finish(wb, alerts, f"Fichier {name} annulé dans le registre : ses lignes redeviennent payables au prochain « Importer ».")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def transfer_settlements(ledger: pd.DataFrame, transfers: list, batch_booking: bool) -> list[Settlement]:
    """See ``reglo.core.transfers.usecases.transfer_settlements``."""
    return uc.transfer_settlements(ledger, transfers, batch_booking)


def lettering_summary(update) -> str:
    from reglo.addin.shell.settlements import lettering_summary as summary

    return summary(update, "virement(s)")


def _finish(book: Workbook | None, alerts: list[Alert], summary: str, *, outputs: list[str] | None = None) -> HandlerResult:
    if book is not None:
        try:
            from reglo.addin.backends.paint import paint_alerts

            paint_alerts(book, alerts, owner=OWNER, title="Contrôle des virements fournisseurs")
        except (WorkbookError, ImportError):  # pragma: no cover - painting is best effort
            pass
    text = f"{summary} {summary_fr(alerts)}." if alerts else summary
    return HandlerResult(text, alerts, outputs or [])
