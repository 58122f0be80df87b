"""Multi-supplier disbursement wizard, workbook side (décaissement multi-fournisseurs).

The workbook holds the inputs (« Paramètres décaissement », « Effets », « Fournisseurs »,
« Banques », « Règles de regroupement »), one sheet per step (« Étape 1 - Sélection » …
« Étape 5 - Comptabilisation ») rewritten after each action, a « Saisie décaissement »
sheet for the values a button needs (amount, rate, bank…), and the wizard's state: the
current snapshot (with its undo level) and the action log, in hidden sheets, so that closing
Excel mid-run loses nothing. Rows are chosen by an « x » in the « Sélection » column of the
step sheet.

Every action goes through ``run_action``: load the snapshot, build the ``core`` action,
``apply`` it, save the snapshot and the log, write the step sheet. Outputs are pure plans
(``reglo.core.disbursement.outputs``) returning an ``Outcome``, committed by the one commit
protocol (``reglo.addin.shell.commit.run_button``: dossier lock, recovery, register re-read
inside the lock, batch *pending* with each file's hash, temporary file + fsync + rename without
overwrite, *committed*): the slips with their pain.001 and cheque list, the entries of the
posting, the posting « en mode test » (a test batch: never counted as paid), and the
reservation of the items the run holds (a batch without file, replaced as the selection
changes, released when the run is cancelled or finished).

Posting resumes after an incident: the snapshot is saved with the sequences *pending*
before any entry file is written; ``reprendre`` (or any later action at step 5) plans the
same entries (same numbers): the register says whether they were committed (then they are
only confirmed) or not (then they are written).
"""
from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, Column, as_workbook, read_table  # noqa: F401 (read_table used by tests)
from reglo.addin.shell.result import HandlerResult
from reglo.addin.shell.errors import UserError
from reglo.core.alerts import Alert, alert, has_blocking, summary_fr
from reglo.core.disbursement import actions as A
from reglo.core.disbursement.issue import balances, totals
from reglo.core.disbursement.models import (
    CompanyBank,
    DiscountTier,
    GroupingRule,
    Item,
    PartyMatch,
    PaymentStage,
    RunState,
    SelectionParams,
    Supplier,
)
from reglo.core.disbursement.outputs import FOLDER, excluded_items, first_free_entry_number, held_keys, payment_rows, plan_posting_files, plan_reservation, plan_slip_files
from reglo.core.disbursement.posting import pending
from reglo.core.disbursement.state import SHEETS, differenced_keys, group_members, item_states, items_by_key  # noqa: F401 (group_members used by the demo)
from reglo.core.money import format_fr, to_money
from reglo.core.outcome import Outcome
from reglo.core.register_state import RegisterSnapshot

now: Callable[[], datetime] = datetime.now  # the add-in's clock (tests replace it)

SHEET_PARAMS = "Paramètres décaissement"
SHEET_ITEMS = "Effets"
SHEET_SUPPLIERS = "Fournisseurs"
SHEET_BANKS = "Banques"
SHEET_RULES = "Règles de regroupement"
SHEET_INPUT = "Saisie décaissement"
SHEET_STATE = "_Décaissement état"
SHEET_LOG = "_Décaissement journal"
CHUNK = 30_000  # characters per cell (Excel holds 32 767)

ITEM_HEADERS = ["Clé", "Tiers", "Pièce", "Libellé", "Date d'émission", "Échéance", "Montant", "Devise", "Montant EUR", "État", "Banque prévue", "IBAN", "BIC", "Contesté", "Motif", "Bon à payer",
                "Clé d'origine", "Montant d'origine EUR"]
# « Clé d'origine » / « Montant d'origine EUR » (optional): the ledger item a remainder or a rescheduled
# part comes from, and its amount before any payment; the register counts the item's payments there
SUPPLIER_HEADERS = ["Code", "Nom", "Priorité", "Centrale", "Banque par défaut", "IBAN", "BIC", "Compte collectif", "Escompte (jours:taux)"]
BANK_HEADERS = ["Code", "Libellé", "Journal", "Compte", "IBAN", "BIC", "Devise", "Solde", "Limite de décaissement", "Compte de substitution"]
RULE_HEADERS = ["Type", "Actif", "Tiers", "Mode", "Par tiers", "Banque prévue", "Devise", "Coordonnées bancaires", "Écart maximum (jours)"]
PARTY = {"tiers identiques": PartyMatch.SAME_SUPPLIER, "centrale identique": PartyMatch.SAME_HEAD_OFFICE, "indifférent": PartyMatch.ANY, "indifferent": PartyMatch.ANY}
YES = {"oui", "o", "x", "vrai", "true", "1", "identique"}


# ---------------------------------------------------------------------------
# reading the inputs
# ---------------------------------------------------------------------------


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _date(v: Any) -> date | None:
    if v in (None, ""):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    t = str(v).strip()
    if "/" in t:
        d, m, y = t.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(t[:10])


def _yes(v: Any, default: bool = False) -> bool:
    return default if v in (None, "") else _text(v).lower() in YES


def read_settings(book) -> dict[str, Any]:
    if SHEET_PARAMS not in book.sheet_names():
        return {}
    return {_text(r[0]): (r[1] if len(r) > 1 else None) for r in book.read_values(SHEET_PARAMS) if r and _text(r[0])}


def _bad(sheet: str, row: int, column: str, value: Any, expected: str) -> Alert:
    return alert("DSB_FIELD_INVALID", sheet=sheet, row=row, column=column, value=_text(value), field=column, key=f"ligne {row}", expected=expected)


def read_inputs(book) -> tuple[dict, list[Alert]]:
    """Items, suppliers, banks and rules of the input sheets (problems as alerts)."""
    alerts: list[Alert] = []
    items, suppliers, banks, rules = [], [], [], []
    for r in read_table(book, SHEET_ITEMS, required=["Clé"]).rows if SHEET_ITEMS in book.sheet_names() else []:
        try:
            amount = to_money(r.get("Montant"))
            eur = r.get("Montant EUR")
            items.append(Item(
                key=_text(r.get("Clé")), supplier=_text(r.get("Tiers")), document_ref=_text(r.get("Pièce")), label=_text(r.get("Libellé")),
                issue_date=_date(r.get("Date d'émission")), due_date=_date(r.get("Échéance")), amount=amount, currency=_text(r.get("Devise")) or "EUR",
                main_amount=to_money(eur) if eur not in (None, "") else None, state=_text(r.get("État")) or "A10", planned_bank=_text(r.get("Banque prévue")),
                iban=_text(r.get("IBAN")).replace(" ", ""), bic=_text(r.get("BIC")), disputed=_yes(r.get("Contesté")), dispute_reason=_text(r.get("Motif")),
                signed=_yes(r.get("Bon à payer"), True), origin_key=_text(r.get("Clé d'origine")),
                original_amount=to_money(r.get("Montant d'origine EUR")) if r.get("Montant d'origine EUR") not in (None, "") else None, source_row=r.excel_row,
            ))
        except (ValueError, TypeError, ArithmeticError) as exc:
            alerts.append(_bad(SHEET_ITEMS, r.excel_row, "Montant / Échéance", r.get("Montant"), f"un montant et une date d'échéance JJ/MM/AAAA ({type(exc).__name__})"))
    for r in read_table(book, SHEET_SUPPLIERS, required=["Code"]).rows if SHEET_SUPPLIERS in book.sheet_names() else []:
        try:
            matrix = tuple(DiscountTier(days_before_due=int(p.split(":")[0]), rate=Decimal(p.split(":")[1].replace(",", "."))) for p in _text(r.get("Escompte (jours:taux)")).split(";") if ":" in p)
            prio = r.get("Priorité")
            suppliers.append(Supplier(code=_text(r.get("Code")), name=_text(r.get("Nom")), priority=int(prio) if prio not in (None, "") else 50, head_office=_text(r.get("Centrale")),
                                      default_bank=_text(r.get("Banque par défaut")), iban=_text(r.get("IBAN")).replace(" ", ""), bic=_text(r.get("BIC")),
                                      control_account=_text(r.get("Compte collectif")) or "401", discount_matrix=matrix))
        except (ValueError, TypeError, ArithmeticError, IndexError):
            alerts.append(_bad(SHEET_SUPPLIERS, r.excel_row, "Priorité / Escompte", r.get("Priorité"), "une priorité de 0 à 99 et un escompte « 10:2;30:3 »"))
    for r in read_table(book, SHEET_BANKS, required=["Code"]).rows if SHEET_BANKS in book.sheet_names() else []:
        try:
            limit = r.get("Limite de décaissement")
            banks.append(CompanyBank(code=_text(r.get("Code")), label=_text(r.get("Libellé")), journal_code=_text(r.get("Journal")) or "BQ", ledger_account=_text(r.get("Compte")) or "512000",
                                     iban=_text(r.get("IBAN")).replace(" ", ""), bic=_text(r.get("BIC")), currency=_text(r.get("Devise")) or "EUR", balance=to_money(r.get("Solde") or 0),
                                     disbursement_limit=to_money(limit) if limit not in (None, "") else None, substitute_account=_text(r.get("Compte de substitution"))))
        except (ValueError, TypeError, ArithmeticError):
            alerts.append(_bad(SHEET_BANKS, r.excel_row, "Solde / Limite", r.get("Solde"), "des montants"))
    for r in read_table(book, SHEET_RULES, required=["Type"]).rows if SHEET_RULES in book.sheet_names() else []:
        gap = r.get("Écart maximum (jours)")
        rules.append(GroupingRule(automatic=_text(r.get("Type")).lower().startswith("auto"), active=_yes(r.get("Actif"), True), supplier=_text(r.get("Tiers")), payment_mode=_text(r.get("Mode")),
                                  party=PARTY.get(_text(r.get("Par tiers")).lower(), PartyMatch.SAME_SUPPLIER), same_bank=_yes(r.get("Banque prévue")), same_currency=_yes(r.get("Devise"), True),
                                  same_bank_details=_yes(r.get("Coordonnées bancaires")), max_days_apart=int(gap) if gap not in (None, "") else None))
    return {"items": tuple(items), "suppliers": tuple(suppliers), "banks": tuple(banks), "rules": tuple(rules)}, alerts


def user_name(settings: dict) -> str:
    """The operating-system user, unless the « Utilisateur » setting overrides it."""
    return _text(settings.get("Utilisateur")) or getpass.getuser()


# ---------------------------------------------------------------------------
# the state in the workbook: snapshot + action log
# ---------------------------------------------------------------------------


def load_state(book) -> RunState | None:
    if SHEET_STATE not in book.sheet_names():
        return None
    # chunks are joined as written (never stripped: a chunk may end inside a text with a space)
    text = "".join(str(r[0]) for r in book.read_values(SHEET_STATE)[1:] if r and r[0] is not None)
    return RunState.model_validate_json(text) if text else None


def save_state(book, state: RunState, action: Any | None) -> None:
    text = state.model_dump_json()
    chunks = [[text[i:i + CHUNK]] for i in range(0, len(text), CHUNK)]
    book.write_sheet(SHEET_STATE, ["État (JSON, ne pas modifier)"], chunks, fit_width=False)
    book.hide_sheet(SHEET_STATE)
    log = book.read_values(SHEET_LOG)[1:] if SHEET_LOG in book.sheet_names() else []
    if action is not None:
        log.append([state.sequence, now().isoformat(timespec="seconds"), state.user, action.kind, A.ACTION_ADAPTER.dump_json(action).decode()])
    book.write_sheet(SHEET_LOG, ["N°", "Quand", "Utilisateur", "Action", "Détail (JSON)"], [list(r[:5]) for r in log], fit_width=False)
    book.hide_sheet(SHEET_LOG)


# ---------------------------------------------------------------------------
# step sheets
# ---------------------------------------------------------------------------

SEL = Column("Sélection", width=10)


def write_views(book, state: RunState) -> None:
    """The sheet of the current step (and of step 1 for the circuit)."""
    items = items_by_key(state)
    if state.step == 1 or SHEETS[1] not in book.sheet_names():
        rows = [[t.entry_state, t.label, t.payment_mode, t.prepared_state, t.issued_state, "Oui" if t.enabled else "Non"] for t in state.circuit.transitions]
        book.write_sheet(SHEETS[1], ["État", "Libellé", "Mode de règlement", "État préparé", "État émis", "Actif"], rows,
                         title=f"Étape 1 - Sélection : circuit {state.circuit.code}, date {state.run_date:%d/%m/%Y} — « Suivant » passe à l'étape {state.params.start_step}")
    if state.step == 2:
        d = differenced_keys(state)
        rows = []
        for k in state.to_pay:
            i = items[k]
            reason = ("Contesté : " + (i.dispute_reason or "motif non précisé")) if state.params.payment_approval and i.disputed else ("Bon à payer non signé" if state.params.payment_approval and not i.signed else "")
            disc = i.auto_discount.amount if i.auto_discount else None
            rows.append(["", "Effets à payer", "", "", k, i.supplier, i.document_ref, i.due_date, i.amount, disc, i.currency, i.state, reason])
        members = group_members(state)
        for g in state.groups:
            total = sum((items[k].amount for k in members[g.group_id]), Decimal(0))
            rows.append(["", "Règlements préparés", g.mode, "d" if set(members[g.group_id]) & d else "", g.group_id, "Regroupement " + ("automatique" if g.automatic else "manuel"), g.label, None, total, None, "", "", ""])
        states = item_states(state)  # once: not per row
        for p in state.prepared:
            i = items[p.key]
            rows.append(["", "Règlements préparés", p.mode, "d" if p.key in d else "", p.key, i.supplier, ("  ↳ " + p.group_id) if p.group_id else i.document_ref, i.due_date, i.amount,
                         i.auto_discount.amount if i.auto_discount else None, i.currency, states[p.key], "Acompte" if i.is_deposit else ""])
        header = [SEL, Column("Tableau", width=20), "Mode", "d", Column("Clé", width=14), "Tiers", "Pièce / regroupement", Column("Échéance", DATE_FORMAT), Column("Montant", EURO_FORMAT), Column("Escompte", EURO_FORMAT), "Devise", "État", Column("Anomalie", width=30)]
        book.write_sheet(SHEETS[2], header, rows, title="Étape 2 - Préparation des règlements : marquez les lignes d'un « x » puis cliquez un bouton")
    if state.step == 3:
        bal = balances(state)
        tot = totals(state)
        preamble = [["Banque", "Solde après émission", "Limite", "Substitution"]] + [[b.code, bal[b.code], b.disbursement_limit, b.substitute_account] for b in state.banks]
        preamble += [["Total des règlements préparés", tot["prepared"]], ["Total des règlements à émettre", tot["to_issue"]], []]
        rows = [["", p.payment_id, p.mode, p.supplier, p.due_date, p.amount, p.currency, p.main_amount, "" if p.bank is None else (p.bank or "Non affecté"), "Oui" if p.forced else "", p.handler_user, len(p.keys)]
                for p in state.payments if p.stage in (PaymentStage.PREPARED, PaymentStage.ASSIGNED)]
        header = [SEL, Column("Règlement", width=12), "Mode", "Tiers", Column("Échéance", DATE_FORMAT), Column("Montant", EURO_FORMAT), "Devise", Column("Montant EUR", EURO_FORMAT), Column("Banque", width=14), "Forcé", "Gestionnaire", "Effets"]
        book.write_sheet(SHEETS[3], header, rows, title="Étape 3 - Émission des règlements (Banque vide = à affecter)", preamble=preamble)
    if state.step in (4, 5):
        posted = {b.slip_id: b.status.value for b in state.postings}
        pays = {p.payment_id: p for p in state.payments}
        rows = []
        for s in state.slips:
            for pid in s.payment_ids:
                p = pays[pid]
                rows.append(["", s.slip_id, s.bank, s.mode, s.currency, s.slip_date, "Oui" if s.printed else "Non", s.first_cheque_number, pid, p.supplier, p.amount, p.cheque_number, posted.get(s.slip_id, "")])
        header = [SEL, Column("Bordereau", width=11), "Banque", "Mode", "Devise", Column("Date", DATE_FORMAT), "Édité", "1er chèque", "Règlement", "Tiers", Column("Montant", EURO_FORMAT), "N° de chèque", "Comptabilisation"]
        step = state.step
        book.write_sheet(SHEETS[step], header, rows, title=SHEETS[step] + (" : éditez les bordereaux (obligatoire)" if step == 4 else " : comptabilisez chaque séquence (obligatoire)"))


SHEET_CARRY = "Effets à reprendre"
SLIP_SHEET_FIRST_ROW = 4  # steps 4 and 5: title, blank, header, then one row per payment


def carry_over_items(state: RunState) -> list[Item]:
    """What the next run starts from, besides the ledger: the items generated by the
    differences (remainder of a partial payment, parts of a rescheduling), the deposits and
    the payments not issued (in the circuit's prepared state, with their payment reference,
    for « Démarrer à l'étape 3 »)."""
    items = items_by_key(state)
    states = item_states(state)
    out = list(state.generated)
    for p in state.payments:
        if p.stage is PaymentStage.PREPARED or (p.stage is PaymentStage.ASSIGNED and not p.bank):
            out += [items[k].model_copy(update={"state": states[k], "payment_ref": p.payment_id, "handler_user": p.handler_user}) for k in p.keys]
    return out


def _item_row(i: Item) -> list:
    """A row of « Effets » (and of « Effets à reprendre », before its « Règlement »)."""
    return [i.key, i.supplier, i.document_ref, i.label, i.issue_date, i.due_date, i.amount, i.currency, i.main_amount, i.state, i.planned_bank, i.iban, i.bic,
            "Oui" if i.disputed else "", i.dispute_reason, "Oui" if i.signed else "Non", i.origin_key, i.original_amount]


def write_carry_over(book, state: RunState) -> int:
    rows = carry_over_items(state)
    book.write_sheet(SHEET_CARRY, ITEM_HEADERS + ["Règlement"], [_item_row(i.model_copy(update={"disputed": False, "dispute_reason": "", "signed": True})) + [i.payment_ref] for i in rows],
                     title=f"Effets à reprendre au prochain décaissement ({state.run_id}) : copiez-les dans « {SHEET_ITEMS} »")
    return len(rows)


def marked(book, sheet: str, column: str) -> tuple[str, ...]:
    """Values of ``column`` on the rows marked « x » in « Sélection »."""
    if sheet not in book.sheet_names():
        return ()
    table = read_table(book, sheet, required=["Sélection", column])
    return tuple(_text(r.get(column)) for r in table.rows if _text(r.get("Sélection")).lower() in ("x", "oui", "1") and _text(r.get(column)))


def read_input(book) -> dict[str, Any]:
    if SHEET_INPUT not in book.sheet_names():
        return {}
    return {_text(r[0]): r[1] for r in book.read_values(SHEET_INPUT)[1:] if r and _text(r[0]) and len(r) > 1 and r[1] not in (None, "")}


INPUT_LABELS = ["IBAN", "BIC", "Libellé", "Libellé du regroupement", "Numéro de chèque", "Circuit", "Actif", "Montant", "Taux", "Compte", "Mode", "Banque", "Date", "Numéro", "Ordre", "Tiers", "Code TVA", "Motif", "Type de différence", "Nouvelle échéance", "Regroupement", "Gestionnaire"]


def ensure_input_sheet(book) -> None:
    if SHEET_INPUT not in book.sheet_names():
        book.write_sheet(SHEET_INPUT, ["Saisie", "Valeur"], [[label, None] for label in INPUT_LABELS], title="Valeurs utilisées par les boutons du décaissement")


# ---------------------------------------------------------------------------
# committing outcomes: the one commit protocol
# ---------------------------------------------------------------------------


def dossier_folder(book, dossier: Any) -> Path:
    if dossier:
        p = Path(dossier)
        return p if p.is_dir() else p.parent
    path = getattr(book, "path", None) or getattr(getattr(book, "book", None), "fullname", None)
    return Path(path).parent if path else Path.cwd()


def _commit(folder: Path, plan: Callable[[Any], Outcome], *, block_on_orphans: bool = True):
    """``plan(ctx)`` under the dossier lock, its outcome committed (``reglo.addin.shell.commit``)."""
    from reglo.addin.shell.commit import run_button as commit

    return commit(folder, plan, now=now().replace(microsecond=0), block_on_orphans=block_on_orphans)


def read_register(folder: Path) -> RegisterSnapshot:
    """The register as it is now (read under the lock, after recovery): nothing written."""
    return _commit(folder, lambda ctx: Outcome(), block_on_orphans=False).snapshot or RegisterSnapshot()


def sync_reservation(folder: Path, state: RunState, *, reason: str = "sélection modifiée") -> list[Alert]:
    """Reserve in the register what ``state`` holds (``held_keys``), through the commit protocol;
    then cancel the run's earlier reservations (released: payable again by a transfer)."""
    from reglo.addin.shell.commit import register_session

    res = _commit(folder, lambda ctx: plan_reservation(state, ctx.snapshot, reason=reason), block_on_orphans=False)
    if res.status == "blocked":
        return res.alerts
    release = list(res.outcome.data.get("release") or ())
    released = 0
    if release:
        at = now().replace(microsecond=0)
        with register_session(folder, now=at) as (store, _report):
            live = {b.id: b for b in store.snapshot().live()}
            for bid in release:
                if bid in live:
                    store.set_status(bid, "cancelled", at=at, reason=f"décaissement {state.run_id} : {reason}", by=state.user)
                    released += len(live[bid].lines)
    alerts = list(res.alerts)
    if released and res.outcome.batch is None:
        alerts.append(alert("DSB_RESERVATION_RELEASED", run=state.run_id, count=released, reason=reason))
    return alerts


def cancel_run(folder: Path, run_id: str, *, reason: str) -> int:
    """Cancel in the register every live batch of the run ``run_id`` (its issues, postings and
    reservation), e.g. a demonstration run again in the same folder. Returns how many."""
    from reglo.addin.shell.commit import register_session

    at = now().replace(microsecond=0)
    n = 0
    with register_session(folder, now=at) as (store, _report):
        for b in store.snapshot().live():
            if b.kind.startswith("decaissement") and b.meta.get("run_id") == run_id:
                store.set_status(b.id, "cancelled", at=at, reason=reason)
                n += 1
    return n


def _paths(res) -> list[str]:
    return [str(p) for p in res.paths]


# ---------------------------------------------------------------------------
# step 1 parameters saved and restored per user
# ---------------------------------------------------------------------------

SHEET_USER_PARAMS = "_Décaissement paramètres"


def _param_store(book) -> dict:
    if SHEET_USER_PARAMS not in book.sheet_names():
        return {}
    rows = book.read_values(SHEET_USER_PARAMS)[1:]
    return {str(r[0]): json.loads(str(r[1])) for r in rows if r and r[0] and len(r) > 1 and r[1]}


def save_user_params(book) -> HandlerResult:
    """« Sauvegarder les paramètres »: the run's step 1 parameters, for its user."""
    from reglo.core.disbursement.params import save_params

    book = as_workbook(book)
    state = load_state(book)
    if state is None:
        raise UserError("Aucun décaissement en cours dans ce classeur : cliquez d'abord « Démarrer ».")
    store = save_params(_param_store(book), state.user, state.params)
    book.write_sheet(SHEET_USER_PARAMS, ["Utilisateur", "Paramètres (JSON)"], [[u, json.dumps(p, ensure_ascii=False)] for u, p in store.items()], fit_width=False)
    book.hide_sheet(SHEET_USER_PARAMS)
    return HandlerResult(f"Paramètres de sélection enregistrés pour {state.user}.")


def restore_user_params(book) -> HandlerResult:
    """« Restaurer les paramètres »: the user's saved step 1 parameters on the run (step 1)."""
    from reglo.core.disbursement.params import restore_params

    book = as_workbook(book)
    state = load_state(book)
    if state is None:
        raise UserError("Aucun décaissement en cours dans ce classeur : cliquez d'abord « Démarrer ».")
    params = restore_params(_param_store(book), state.user)
    return run_action(book, "parametres", {"params": params})


# ---------------------------------------------------------------------------
# one entry point for every action
# ---------------------------------------------------------------------------


def _action(kind: str, state: RunState | None, book, fields: dict[str, Any]) -> Any:
    """The core action of ``kind``: ``fields`` given (CLI) or read from the sheets (ribbon)."""
    from pydantic import ValidationError

    data = {"kind": kind, **{k: v for k, v in fields.items() if v is not None}}
    try:
        return A.ACTION_ADAPTER.validate_python(data)
    except ValidationError as exc:
        missing = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors()}))
        raise UserError(f"Action « {kind} » : valeur manquante ou invalide ({missing}). Marquez les lignes concernées d'un « x » ou complétez « {SHEET_INPUT} » (en ligne de commande : les options --cles, --montant…).") from None


def start(book, *, dossier: Any = None) -> HandlerResult:
    """« Démarrer »: a new run from the input sheets, at step 1."""
    book = as_workbook(book)
    settings = read_settings(book)
    inputs, alerts = read_inputs(book)
    source = _text(settings.get("Source des effets")).lower()
    if source.startswith("fec") or (not source and not inputs["items"]):
        inputs, more = ledger_inputs(dossier_folder(book, dossier), inputs)
        alerts += more
    if has_blocking(alerts):
        return HandlerResult("Décaissement non démarré : corrigez les feuilles d'entrée.", alerts)
    params = SelectionParams(
        circuit=_text(settings.get("Circuit")) or "STANDARD",
        start_step=int(settings.get("Démarrer à l'étape") or 2),
        auto_discounts=_yes(settings.get("Escomptes automatiques")),
        payment_approval=_yes(settings.get("Bons à payer")),
    )
    run_date = _date(settings.get("Date")) or now().date()
    run_id = _text(settings.get("Référence")) or f"DEC{now():%Y%m%d%H%M%S}"
    # an item other payments settled in part comes with what is left of it (the transfers
    # preview's « reste à payer »); settled or held in full, it is left out
    kept, excluded = excluded_items(inputs["items"], read_register(dossier_folder(book, dossier)), run_id)
    inputs["items"] = tuple(kept)
    alerts += excluded
    state, a = A.start_run(run_id=run_id, user=user_name(settings), run_date=run_date, params=params,
                           first_entry_number=int(settings.get("Premier numéro d'écriture") or 1), **inputs)
    alerts += a
    ensure_input_sheet(book)
    save_state(book, state, None)
    write_views(book, state)
    partly = sum(1 for a in excluded if a.code.value == "DSB_PARTLY_PAID")
    left_out = len(excluded) - partly
    excluded_note = (f" ({left_out} effet(s) déjà payé(s) ou retenu(s) ailleurs laissé(s) de côté)" if left_out else "") + \
        (f" ({partly} effet(s) déjà payé(s) en partie : le reste est proposé)" if partly else "")
    return HandlerResult(f"Décaissement {state.run_id} démarré : {len(state.source)} effet(s) ouverts{excluded_note}, circuit {state.circuit.code}. Cliquez « Suivant ».", alerts)


def ledger_inputs(folder: Path, inputs: dict) -> tuple[dict, list[Alert]]:
    """Step 1 from the dossier: the open supplier items are the unlettered 401 credit lines of its
    FEC (keys shared with the supplier-transfers workflow), the suppliers those of « Tiers »
    (the « Fournisseurs » sheet wins for a code it has), the banks the company's bank accounts
    when the « Banques » sheet is empty."""
    from reglo.addin.shell.dossier import load_dossier
    from reglo.core.disbursement.ledger_items import banks_from_company, items_from_ledger, suppliers_from_parties

    loaded = load_dossier(folder)
    blocking = [a for a in loaded.alerts if a.is_blocking]
    if loaded.fec_path is None or blocking:
        return inputs, blocking or list(loaded.alerts)
    parties = {p.code: p for p in loaded.dossier.parties}
    items = items_from_ledger(loaded.ledger.frame, parties)
    known = {s.code for s in inputs["suppliers"]}
    labels = {i.supplier: i.label for i in items}
    extra = suppliers_from_parties(parties, [i.supplier for i in items if i.supplier not in known], labels)
    banks = inputs["banks"] or tuple(banks_from_company(loaded.dossier.company.bank_accounts))
    return {**inputs, "items": tuple(items), "suppliers": tuple(inputs["suppliers"]) + tuple(extra), "banks": tuple(banks)}, []


def run_action(book, kind: str, fields: dict[str, Any] | None = None, *, dossier: Any = None, test: bool = False) -> HandlerResult:
    """Apply one wizard action to the workbook's run; commit outputs for slips and posting, and
    the reservation of the items the run holds when it changes."""
    book = as_workbook(book)
    state = load_state(book)
    if state is None:
        raise UserError("Aucun décaissement en cours dans ce classeur : cliquez d'abord « Démarrer ».")
    folder = dossier_folder(book, dossier)
    outputs: list[str] = []
    alerts: list[Alert] = []
    if kind == "reprendre" or (state.step == 5 and pending(state) and kind != "comptabiliser"):
        state, outputs, a = _finish_posting(book, state, folder)
        alerts += a
        if kind == "reprendre":
            return HandlerResult(f"Reprise après incident : {len(outputs)} fichier(s).", alerts, outputs)
    if kind == "comptabiliser" and test:
        siren, year_end = company_identity(book, folder)
        slip_ids = (fields or {}).get("slip_ids")
        res = _commit(folder, lambda ctx: plan_posting_files(state.model_copy(update={"next_entry_number": first_free_entry_number(state, ctx.snapshot)}), test=True, slip_ids=slip_ids, register=ctx.snapshot, siren=siren, fiscal_year_end=year_end,
                                                             existing_names=ctx.names_in(FOLDER)))
        return HandlerResult(res.outcome.summary, res.alerts, _paths(res))
    action = _action(kind, state, book, fields or {})
    if kind == "comptabiliser" and state.step == 5 and not pending(state):
        # entry numbers follow those earlier postings recorded in the register (unique per journal)
        first = first_free_entry_number(state, read_register(folder), getattr(action, "slip_ids", None))
        if first != state.next_entry_number:
            state = state.model_copy(update={"next_entry_number": first})
    new, a = A.apply(state, action)
    alerts += a
    if kind == "editer_bordereaux" and new is not state:
        ids = action.slip_ids
        printed = [s.slip_id for s in new.slips if s.printed and (ids is None or s.slip_id in ids)]
        company = user_company(book)
        res = _commit(folder, lambda ctx: plan_slip_files(new, register=ctx.snapshot, slip_ids=printed, company_name=company, created_at=ctx.now,
                                                          existing_names=ctx.names_in(FOLDER), rows=payment_rows(new, SLIP_SHEET_FIRST_ROW)))
        alerts += res.alerts
        if res.status == "blocked":
            new = state  # nothing printed: the state stays as it was
        else:
            outputs += _paths(res)
    if new is not state:
        save_state(book, new, action)
    if kind == "comptabiliser" and new is not state:
        new, files, a = _finish_posting(book, new, folder)
        outputs += files
        alerts += a
    if new is not state and (new.finished or held_keys(new) != held_keys(state)):
        alerts += sync_reservation(folder, new, reason=_release_reason(kind, new))
    write_views(book, new)
    carried = write_carry_over(book, new) if new.finished and not state.finished else 0
    summary = f"{SHEETS[new.step]} — {action.kind} : {summary_fr(alerts)}." + (" Assistant terminé." if new.finished else "") + (f" {carried} effet(s) à reprendre (feuille « {SHEET_CARRY} »)." if carried else "")
    return HandlerResult(summary, alerts, outputs)


def _release_reason(kind: str, state: RunState) -> str:
    if state.finished:
        return "décaissement terminé"
    return {"annuler_transaction": "transaction annulée", "editer_bordereaux": "bordereaux édités"}.get(kind, "sélection modifiée")


def user_company(book) -> str:
    return _text(read_settings(book).get("Raison sociale")) or "SOCIETE"


def company_identity(book, folder: Path) -> tuple[str, date | None]:
    """SIREN and fiscal year end for the entries file's name: « SIREN » / « Fin d'exercice » of
    « Paramètres décaissement », else the dossier's « Société » (``dossier.xlsx`` in the folder)."""
    settings = read_settings(book)
    siren = _text(settings.get("SIREN")).replace(" ", "")
    try:
        year_end = _date(settings.get("Fin d'exercice"))
    except (ValueError, TypeError):
        year_end = None
    if (not siren or year_end is None) and (folder / "dossier.xlsx").is_file():
        from reglo.addin.shell.dossier import load_dossier

        try:
            company = load_dossier(folder).dossier.company
        except UserError:
            company = None
        if company is not None:
            siren = siren or (company.siren or "")
            year_end = year_end or company.fiscal_year_end
    return siren, year_end


def _finish_posting(book, state: RunState, folder: Path) -> tuple[RunState, list[str], list[Alert]]:
    """Commit the entries of the pending sequences, then confirm them (resumes after an
    incident: entries the register already has are only confirmed)."""
    siren, year_end = company_identity(book, folder)
    res = _commit(folder, lambda ctx: plan_posting_files(state, register=ctx.snapshot, siren=siren, fiscal_year_end=year_end, existing_names=ctx.names_in(FOLDER)))
    if res.status == "blocked":
        return state, [], res.alerts
    state = res.outcome.data.get("state", state)  # renumbered if another posting used its numbers meanwhile
    new, _ = A.apply(state, A.ConfirmPosting())
    save_state(book, new, A.ConfirmPosting())
    return new, _paths(res), res.alerts


def write_inputs(book, *, items, suppliers, banks, rules, settings: dict[str, Any]) -> None:
    """Fill the input sheets (demo and tests)."""
    book = as_workbook(book)
    book.write_sheet(SHEET_PARAMS, ["Paramètre", "Valeur"], [[k, v] for k, v in settings.items()])
    book.write_sheet(SHEET_ITEMS, ITEM_HEADERS, [_item_row(i) for i in items])
    book.write_sheet(SHEET_SUPPLIERS, SUPPLIER_HEADERS, [[s.code, s.name, s.priority, s.head_office, s.default_bank, s.iban, s.bic, s.control_account,
                                                          ";".join(f"{t.days_before_due}:{t.rate}" for t in s.discount_matrix)] for s in suppliers])
    book.write_sheet(SHEET_BANKS, BANK_HEADERS, [[b.code, b.label, b.journal_code, b.ledger_account, b.iban, b.bic, b.currency, b.balance, b.disbursement_limit, b.substitute_account] for b in banks])
    party = {v: k.capitalize() for k, v in PARTY.items()}
    book.write_sheet(SHEET_RULES, RULE_HEADERS, [["Automatique" if r.automatic else "Manuel", "Oui" if r.active else "Non", r.supplier, r.payment_mode, party[r.party],
                                                  "Identique" if r.same_bank else "Différente", "Identique" if r.same_currency else "Différente",
                                                  "Identique" if r.same_bank_details else "Différente", r.max_days_apart] for r in rules])


def state_summary(state: RunState) -> str:
    return f"étape {state.step}, {len(state.to_pay)} à payer, {len(state.prepared)} préparé(s), {len(state.payments)} règlement(s), {len(state.slips)} bordereau(x)"


__all__ = ["start", "run_action", "load_state", "save_state", "write_views", "read_inputs", "write_inputs", "sync_reservation", "read_register", "marked", "read_input", "format_fr", "json"]


# ---------------------------------------------------------------------------
# action fields from plain values (CLI options or the marked rows + « Saisie décaissement »)
# ---------------------------------------------------------------------------

DIFFERENCE_NAMES = {
    "escompte": "Escompte manuel",
    "reglement": "Différence de règlement",
    "change": "Différence de change",
    "od": "Opération diverse",
    "partiel": "Règlement partiel",
    "reechelonnement": "Rééchelonnement",
}
ORDER_NAMES = {"priorite": "priorite_echeance", "echeance": "echeance_priorite", "tri": "tri_actuel"}


def _dec(v: Any) -> Decimal | None:
    return None if v in (None, "") else to_money(v) if not isinstance(v, Decimal) else v


def fields_for(kind: str, v: dict[str, Any]) -> dict[str, Any]:
    """The fields of the core action ``kind`` from plain values (keys are English names)."""
    keys = tuple(v.get("keys") or ())
    amount, rate = _dec(v.get("amount")), (Decimal(str(v["rate"]).replace(",", ".")) if v.get("rate") not in (None, "") else None)
    order = ORDER_NAMES.get(_text(v.get("order")).lower(), _text(v.get("order")) or None)
    d = _date(v.get("date")) if v.get("date") not in (None, "") else None
    table: dict[str, dict[str, Any]] = {
        "suivant": {"confirmed": bool(v.get("confirmed"))},
        "preparer": {"keys": keys, "mode": v.get("mode") or "", "auto_group": v.get("auto_group", True)},
        "supprimer": {"keys": keys},
        "deplacer": {"keys": keys, "mode": v.get("mode")},
        "regrouper": {"units": keys, "label": v.get("label") or ""},
        "ajouter_au_regroupement": {"keys": keys, "group_id": v.get("group")},
        "dissocier": {"group_id": v.get("group") or (keys[0] if keys else None)},
        "supprimer_regroupement": {"group_id": v.get("group") or (keys[0] if keys else None)},
        "modifier_regroupement": {"group_id": v.get("group"), "label": v.get("label") or ""},
        "montant_a_pointer": {"amount": amount, "order": order},
        "acompte": {"supplier": v.get("supplier"), "amount": amount, "vat_code": v.get("vat") or "", "mode": v.get("mode") or "VIR"},
        "difference": {"difference": DIFFERENCE_NAMES.get(_text(v.get("difference")).lower(), v.get("difference")), "current": v.get("current") or (keys[0] if keys else None),
                       "selection": keys, "amount": amount, "rate": rate, "account": v.get("account") or "", "due_date": d},
        "annuler_difference": {"diff_id": v.get("diff_id") or (keys[0] if keys else None)},
        "contester": {"keys": keys, "reason": v.get("reason") or ""},
        "regler_contestation": {"keys": keys},
        "bon_a_payer": {"keys": keys},
        "escompte_auto": {"keys": keys, "rate": rate, "amount": amount},
        "valider": {"units": keys},
        "affecter": {"payment_ids": keys},
        "affecter_banque": {"payment_ids": keys, "bank": v.get("bank")},
        "desaffecter": {"payment_ids": keys},
        "pre_pointage": {"amount": amount, "order": order},
        "annuler_transaction": {"payment_ids": keys},
        "filtre_gestionnaire": {"user": v.get("user")},
        "date_bordereau": {"slip_ids": keys or None, "slip_date": d},
        "premier_cheque": {"slip_id": keys[0] if keys else None, "number": v.get("number")},
        "editer_bordereaux": {"slip_ids": keys or None},
        "comptabiliser": {"slip_ids": keys or None},
        "detail": {"key": keys[0] if keys else None, "changes": dict(v.get("changes") or {})},
        "changement_etat": {"entry_state": v.get("state") or (keys[0] if keys else None), "payment_mode": v.get("mode") or None,
                            "enabled": None if v.get("enabled") in (None, "") else _yes(v.get("enabled"))},
        "circuit": {"circuit": v.get("circuit")},
    }
    return table.get(kind, {})


#: Column holding the key of a marked row, per step sheet.
MARK_COLUMN = {2: "Clé", 3: "Règlement", 4: "Règlement", 5: "Bordereau"}
SLIP_ACTIONS = {"date_bordereau", "premier_cheque", "editer_bordereaux", "comptabiliser"}
INPUT_KEYS = {"Montant": "amount", "Taux": "rate", "Compte": "account", "Mode": "mode", "Banque": "bank", "Date": "date", "Numéro": "number", "Ordre": "order",
              "Tiers": "supplier", "Code TVA": "vat", "Motif": "reason", "Type de différence": "difference", "Nouvelle échéance": "date", "Regroupement": "group", "Gestionnaire": "user", "Libellé du regroupement": "label"}


def values_from_sheets(book, kind: str) -> dict[str, Any]:
    """Ribbon: keys of the rows marked « x » in the current step sheet, values of « Saisie décaissement »."""
    book = as_workbook(book)
    state = load_state(book)
    step = state.step if state else 2
    column = "Bordereau" if kind in SLIP_ACTIONS else MARK_COLUMN.get(step, "Clé")
    values = {INPUT_KEYS[k]: v for k, v in read_input(book).items() if k in INPUT_KEYS}
    values["keys"] = tuple(dict.fromkeys(marked(book, SHEETS.get(step, SHEETS[2]), column)))
    raw = read_input(book)
    values["changes"] = {field: _text(raw[label]) for label, field in (("IBAN", "iban"), ("BIC", "bic"), ("Libellé", "label"), ("Numéro de chèque", "cheque_number"), ("Nouvelle échéance", "due_date")) if label in raw}
    values["circuit"] = _text(raw.get("Circuit")) or None
    values["enabled"] = raw.get("Actif")
    if kind == "changement_etat":  # step 1 sheet: the marked state
        values["keys"] = marked(book, SHEETS[1], "État")
    values["confirmed"] = True  # the ribbon asks for confirmation before calling
    return values


def run_button(book, kind: str, *, dossier: Any = None, test: bool = False) -> HandlerResult:
    """A ribbon button: the action ``kind`` on the marked rows and the « Saisie » values."""
    if kind == "demarrer":
        return start(book, dossier=dossier)
    if kind == "sauver_parametres":
        return save_user_params(book)
    if kind == "restaurer_parametres":
        return restore_user_params(book)
    values = values_from_sheets(book, kind)
    return run_action(book, kind, fields_for(kind, values), dossier=dossier, test=test)
