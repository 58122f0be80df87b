"""The sheets of the « Prélèvements clients » workbook: names, columns, and parsing of what the
user edits (options, detail assignments, schedules, forced amounts) into models. Pure: rows
come in as ``(excel_row, {header: value})`` pairs, problems go out as alerts."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, ValidationError

from reglo.core.alerts import Alert, alert
from reglo.core.debits.models import (
    MODES,
    Assignment,
    BankSettings,
    ForcedAmount,
    GenerationParams,
    Instalment,
    Mode,
    SelectionOptions,
    parse_mode,
)
from reglo.core.dossier import cell_date, cell_text, norm_header
from reglo.core.money import MoneyError, to_money
from reglo.core.outcome import SheetColumn
from reglo.core.writers.pain008 import VERSIONS

MAIN_SHEET = "Prélèvements clients"
DETAIL_SHEET = "Détail"
SCHEDULE_SHEET = "Échéanciers"
FORCED_SHEET = "Montants forcés"
OPTIONS_SHEET = "Options"
REPARTITION_SHEET = "Répartition"
ERRORS_SHEET = "Édition des erreurs"
NO_PARTY_SHEET = "Édition compte sans tiers"
PREVIEW_SHEET = "Aperçu"
PRENOTIFICATION_SHEET = "Pré-notification"
SLIP_SHEET = "Bordereau"
ENTRIES_SHEET = "Écritures prélèvements"

C = SheetColumn
MAIN_COLUMNS = (C(header="Sél."), C(header="Code client"), C(header="Raison sociale", width=30), C(header="Banque dossier"), C(header="Banque client", width=30),
                C(header="Mode"), C(header="Montant calculé", kind="amount"), C(header="Montant forcé", kind="amount"), C(header="Montant à prélever", kind="amount"),
                C(header="Nombre de lignes", kind="integer"), C(header="Statut", width=40))
DETAIL_COLUMNS = (C(header="Clé", hidden=True), C(header="Code client"), C(header="Pièce"), C(header="Date", kind="date"), C(header="Échéance", kind="date"),
                  C(header="Libellé", width=30), C(header="Montant", kind="amount"), C(header="Dû sur la période", kind="amount"), C(header="Mode"),
                  C(header="Banque dossier"), C(header="Banque client", width=30), C(header="Échéancier", width=30), C(header="Reste", kind="amount"), C(header="V"))
SCHEDULE_COLUMNS = (C(header="Clé", hidden=True), C(header="Pièce"), C(header="Date échéance", kind="date"), C(header="Montant", kind="amount"))
FORCED_COLUMNS = (C(header="Code client"), C(header="Montant forcé", kind="amount"), C(header="Mode"), C(header="Banque dossier"), C(header="Banque client", width=30),
                  C(header="Référence"), C(header="Échéancier", width=30))
OPTION_COLUMNS = (C(header="Paramètre", width=42), C(header="Valeur", width=30))
ERROR_COLUMNS = (C(header="Gravité"), C(header="Code", width=28), C(header="Message", width=100), C(header="Feuille"), C(header="Ligne", kind="integer"),
                 C(header="Colonne"))

OPTIONS: tuple[tuple[str, Any, str], ...] = (
    ("Date début", None, "Choix de la date : factures datées à partir de ce jour (vide = sans limite)"),
    ("Liste des règlements jusqu'au", None, "Choix de la date : factures et échéances jusqu'à ce jour (vide = sans limite)"),
    ("Affectation des prélèvements", "Non", "Oui : banque et mode par défaut du tiers sur les lignes Aucun, Prélèvement, LCR"),
    ("Regroupement début", None, "Premier code client repris (vide = tous)"),
    ("Regroupement fin", None, "Dernier code client repris (vide = tous)"),
    ("Éviter les tiers sans écritures", "Oui", "Oui : seuls les clients ayant des factures non lettrées"),
    ("Afficher les écritures validées", "Non", "Oui : montre aussi les lignes déjà prélevées (V)"),
    ("Afficher tous les types de règlement", "Non", "Oui : montre aussi les acomptes (jamais prélevés)"),
    ("Banque dossier", None, "Journal de la banque qui prélève (feuille « Banques » du dossier)"),
    ("Date de prélèvement", None, "Vide = aujourd'hui, reportée selon le délai de la banque et le calendrier TARGET2"),
    ("Comptabilisation", "Global", "Global (une ligne bancaire par lot) ou Unitaire (une par client)"),
    ("Lettrage", "Oui", "Oui : lettre les factures prélevées dans le FEC du dossier (exercice N et N+1)"),
    ("Regrouper les prélèvements", "Non", "Oui : une seule écriture pour tous les mouvements bancaires"),
    ("Génération d'un fichier test", "Non", "Oui : fichier TEST…, rien n'est compté comme prélevé ni lettré"),
    ("Libellé", "", "Libellé de contrepartie (31 caractères) ; champs {DATE} {JOUR} {MOIS} {ANNEE} {PIECE} {RAISON_SOCIALE} {LIBELLE_COMPTE}"),
    ("Version", VERSIONS[0], "pain.008.001.08 ou pain.008.001.02"),
    ("Schéma", "", "Vide = celui du mandat ; CORE ou B2B"),
    ("Délai de la banque (jours ouvrés)", 2, "Jours ouvrés TARGET2 entre l'envoi et la date de prélèvement"),
    ("Horizon de la banque (jours)", 14, "Nombre de jours calendaires avant la date de prélèvement à partir duquel la banque accepte la remise (14 selon les règles SEPA)"),
    ("Forme d'adresse", "Structurée", "Structurée, Hybride ou Aucune (selon la banque)"),
    ("Pré-notification (jours)", 14, "Délai d'information du débiteur avant le prélèvement"),
    ("Nom du fichier", "", "Vide = Pre + AAMMJJ + HHMM + code journal"),
)
_FORMS = {"structuree": "structured", "hybride": "hybrid", "aucune": "none", "structured": "structured", "hybrid": "hybrid", "none": "none"}
_YES = {"oui", "o", "vrai", "true", "1", "x", "yes"}
_NO = {"non", "n", "faux", "false", "0", "", "no"}


class ReadOptions(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    selection: SelectionOptions
    params: GenerationParams | None  # None when no bank is chosen
    settings: dict[str, BankSettings]
    alerts: tuple[Alert, ...] = ()


def read_options(values: dict[str, tuple[int | None, Any]]) -> ReadOptions:
    """``values``: parameter label (as in the sheet) → (excel row, value)."""
    alerts: list[Alert] = []
    by_key = {norm_header(k): v for k, v in values.items()}

    def raw(name: str) -> tuple[int | None, Any]:
        return by_key.get(norm_header(name), (None, next((d for n, d, _ in OPTIONS if n == name), None)))

    def where(name: str) -> dict:
        return {"sheet": OPTIONS_SHEET, "row": raw(name)[0], "column": "Valeur"}

    def flag(name: str, default: bool) -> bool:
        text = norm_header(cell_text(raw(name)[1]))
        if text in _YES:
            return True
        if text in _NO:
            return default if text == "" else False
        alerts.append(alert("DEBIT_OPTION_INVALID", name=name, value=cell_text(raw(name)[1]), expected="Oui ou Non", **where(name)))
        return default

    def day(name: str) -> date | None:
        try:
            return cell_date(raw(name)[1])
        except ValueError:
            alerts.append(alert("DEBIT_OPTION_INVALID", name=name, value=cell_text(raw(name)[1]), expected="une date jj/mm/aaaa", **where(name)))
            return None

    def integer(name: str, default: int, low: int, high: int) -> int:
        text = cell_text(raw(name)[1])
        if not text:
            return default
        try:
            n = int(Decimal(text.replace(",", ".")))
            if low <= n <= high:
                return n
        except (ArithmeticError, ValueError):
            pass
        alerts.append(alert("DEBIT_OPTION_INVALID", name=name, value=text, expected=f"un nombre entier de {low} à {high}", **where(name)))
        return default

    start, end = day("Date début"), day("Liste des règlements jusqu'au")
    if start and end and start > end:
        alerts.append(alert("DEBIT_RANGE_INVERTED", name="Choix de la date", start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}", **where("Date début")))
    g_from, g_to = cell_text(raw("Regroupement début")[1]) or None, cell_text(raw("Regroupement fin")[1]) or None
    if g_from and g_to and g_from > g_to:
        alerts.append(alert("DEBIT_RANGE_INVERTED", name="Regroupement", start=g_from, end=g_to, **where("Regroupement début")))
    selection = SelectionOptions(
        date_from=start, date_to=end, auto_assign=flag("Affectation des prélèvements", False), group_from=g_from, group_to=g_to,
        skip_without_entries=flag("Éviter les tiers sans écritures", True), show_validated=flag("Afficher les écritures validées", False),
        show_all_modes=flag("Afficher tous les types de règlement", False),
    )
    booking = cell_text(raw("Comptabilisation")[1]).capitalize() or "Global"
    if booking not in ("Global", "Unitaire"):
        alerts.append(alert("DEBIT_OPTION_INVALID", name="Comptabilisation", value=booking, expected="Global ou Unitaire", **where("Comptabilisation")))
        booking = "Global"
    version = cell_text(raw("Version")[1]) or VERSIONS[0]
    if version not in VERSIONS:
        alerts.append(alert("DEBIT_OPTION_INVALID", name="Version", value=version, expected=" ou ".join(VERSIONS), **where("Version")))
        version = VERSIONS[0]
    scheme = cell_text(raw("Schéma")[1]).upper() or None
    if scheme not in (None, "CORE", "B2B"):
        alerts.append(alert("DEBIT_OPTION_INVALID", name="Schéma", value=scheme, expected="CORE, B2B ou vide", **where("Schéma")))
        scheme = None
    form = _FORMS.get(norm_header(cell_text(raw("Forme d'adresse")[1])) or "structuree")
    if form is None:
        alerts.append(alert("DEBIT_OPTION_INVALID", name="Forme d'adresse", value=cell_text(raw("Forme d'adresse")[1]), expected="Structurée, Hybride ou Aucune", **where("Forme d'adresse")))
        form = "structured"
    journal = cell_text(raw("Banque dossier")[1]).upper()
    lead = integer("Délai de la banque (jours ouvrés)", 2, 0, 30)
    horizon = integer("Horizon de la banque (jours)", 14, 1, 365)
    params = None
    settings: dict[str, BankSettings] = {}
    if journal:
        settings[journal] = BankSettings(journal=journal, lead_days=lead, horizon_days=horizon, address_form=form, version=version)
        params = GenerationParams(
            company_bank=journal, collection_date=day("Date de prélèvement"), booking=booking, lettering=flag("Lettrage", True),
            grouped_entry=flag("Regrouper les prélèvements", False), test_file=flag("Génération d'un fichier test", False),
            label_template=cell_text(raw("Libellé")[1]), version=version, scheme=scheme,
            prenotification_days=integer("Pré-notification (jours)", 14, 0, 60), file_name=cell_text(raw("Nom du fichier")[1]) or None,
        )
    return ReadOptions(selection=selection, params=params, settings=settings, alerts=tuple(alerts))


def _get(values: dict[str, Any], header: str) -> Any:
    key = norm_header(header)
    for k, v in values.items():
        if norm_header(k) == key:
            return v
    return None


def read_assignments(rows: Iterable[tuple[int, dict[str, Any]]], known_banks: set[str]) -> tuple[dict[str, Assignment], list[Alert]]:
    out: dict[str, Assignment] = {}
    alerts: list[Alert] = []
    for excel_row, values in rows:
        key = cell_text(_get(values, "Clé"))
        if not key:
            continue
        doc = cell_text(_get(values, "Pièce")) or key
        mode = parse_mode(_get(values, "Mode"))
        if mode is None:
            alerts.append(alert("DEBIT_MODE_INVALID", sheet=DETAIL_SHEET, row=excel_row, column="Mode", document=doc, value=cell_text(_get(values, "Mode")), expected=", ".join(MODES)))
            mode = Mode.NONE
        bank = cell_text(_get(values, "Banque dossier")).upper() or None
        if bank and known_banks and bank not in known_banks:
            alerts.append(alert("DEBIT_BANK_UNKNOWN", sheet=DETAIL_SHEET, row=excel_row, column="Banque dossier", document=doc, value=bank, known=", ".join(sorted(known_banks))))
            bank = None
        out[key] = Assignment(key=key, mode=mode, company_bank=bank, customer_iban=cell_text(_get(values, "Banque client")).replace(" ", "").upper() or None,
                              validated=norm_header(cell_text(_get(values, "V"))) in ("v", "oui", "x"), source_row=excel_row)
    return out, alerts


def read_schedules(rows: Iterable[tuple[int, dict[str, Any]]]) -> tuple[dict[str, tuple[Instalment, ...]], list[Alert]]:
    found: dict[str, list[Instalment]] = {}
    alerts: list[Alert] = []
    for excel_row, values in rows:
        key = cell_text(_get(values, "Clé"))
        if not key:
            continue
        doc = cell_text(_get(values, "Pièce")) or key
        try:
            due = cell_date(_get(values, "Date échéance"))
            amount = to_money(_get(values, "Montant"))
        except (ValueError, MoneyError):
            alerts.append(alert("DEBIT_SCHEDULE_LINE_INVALID", sheet=SCHEDULE_SHEET, row=excel_row, document=doc, detail="date ou montant illisible"))
            continue
        if due is None:
            alerts.append(alert("DEBIT_SCHEDULE_LINE_INVALID", sheet=SCHEDULE_SHEET, row=excel_row, column="Date échéance", document=doc, detail="date d'échéance absente"))
            continue
        found.setdefault(key, []).append(Instalment(due_date=due, amount=amount))
    return {k: tuple(sorted(v, key=lambda i: i.due_date)) for k, v in found.items()}, alerts


def parse_schedule_text(text: str) -> tuple[Instalment, ...]:
    """« 05/06/2023=3000; 17/08/2023=2000 » → instalments (forced amounts' schedule column)."""
    out = []
    for part in str(text or "").replace("\n", ";").split(";"):
        if "=" not in part:
            continue
        d, a = part.split("=", 1)
        out.append(Instalment(due_date=cell_date(d.strip()), amount=to_money(a.strip())))
    return tuple(sorted(out, key=lambda i: i.due_date))


def schedule_text(schedule: Iterable[Instalment]) -> str:
    return "; ".join(f"{i.due_date:%d/%m/%Y}={i.amount}".replace(".", ",") for i in schedule)


def read_forced(rows: Iterable[tuple[int, dict[str, Any]]], known_banks: set[str]) -> tuple[dict[str, ForcedAmount], list[Alert]]:
    out: dict[str, ForcedAmount] = {}
    alerts: list[Alert] = []
    for excel_row, values in rows:
        code = cell_text(_get(values, "Code client"))
        if not code:
            continue
        raw = _get(values, "Montant forcé")
        try:
            amount = to_money(raw)
            if amount <= 0:
                raise MoneyError("négatif")
        except MoneyError:
            alerts.append(alert("DEBIT_FORCED_INVALID", sheet=FORCED_SHEET, row=excel_row, column="Montant forcé", customer=code, value=cell_text(raw)))
            continue
        mode = parse_mode(_get(values, "Mode")) or Mode.DIRECT_DEBIT
        if mode == Mode.NONE:
            mode = Mode.DIRECT_DEBIT
        bank = cell_text(_get(values, "Banque dossier")).upper() or None
        if bank and known_banks and bank not in known_banks:
            alerts.append(alert("DEBIT_BANK_UNKNOWN", sheet=FORCED_SHEET, row=excel_row, column="Banque dossier", document=code, value=bank, known=", ".join(sorted(known_banks))))
            bank = None
        try:
            schedule = parse_schedule_text(cell_text(_get(values, "Échéancier")))
        except (ValueError, MoneyError, ValidationError):
            alerts.append(alert("DEBIT_SCHEDULE_LINE_INVALID", sheet=FORCED_SHEET, row=excel_row, column="Échéancier", document=code,
                                detail="attendu « jj/mm/aaaa=montant; … »"))
            schedule = ()
        out[code] = ForcedAmount(customer_code=code, amount=amount, mode=mode, company_bank=bank,
                                 customer_iban=cell_text(_get(values, "Banque client")).replace(" ", "").upper() or None,
                                 reference=cell_text(_get(values, "Référence")) or f"L{excel_row}", schedule=schedule, source_row=excel_row)
    return out, alerts
