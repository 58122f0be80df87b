"""The « Paramètres virements » sheet: two columns « Paramètre » / « Valeur » read leniently.

Labels are the contract with the workbook (``LABELS``); every problem is an alert pointing
at the « Valeur » cell of its row. Empty optional values fall back to the dossier (company
name, address, SIREN, first bank account, fiscal year) given as ``defaults``.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping

from reglo.core.alerts import Alert, alert
from reglo.core.models import PostalAddress
from reglo.core.transfers.models import TransferParameters
from reglo.core.writers.pain001 import DEFAULT_VERSION, VERSIONS

SHEET = "Paramètres virements"

# label -> (field, kind, example / help shown in the sheet)
LABELS: dict[str, tuple[str, str, str]] = {
    "Dossier": ("dossier", "text", "dossier de la société (dossier.xlsx ou son dossier) ; vide = dossier du classeur"),
    "Période du": ("period_start", "date", "échéances à partir du (jj/mm/aaaa)"),
    "Période au": ("period_end", "date", "échéances jusqu'au (jj/mm/aaaa)"),
    "Journaux": ("journals", "list", "codes des journaux des factures, séparés par des virgules (ex. AC,HA) ; vide = tous"),
    "Racines fournisseurs": ("supplier_roots", "roots", "racines des comptes fournisseurs (401 par défaut)"),
    "Racines des comptes (autres que fournisseurs)": ("other_roots", "roots", "autres racines à virer, séparées par des virgules (ex. 421,467)"),
    "Importer les débits non lettrés": ("import_debits", "bool", "Oui : acomptes, avoirs et règlements non lettrés de l'exercice en négatif"),
    "Exercice du": ("fiscal_year_start", "date", "début d'exercice (vide = celui du dossier)"),
    "Exercice au": ("fiscal_year_end", "date", "fin d'exercice (vide = celle du dossier)"),
    "Banque émettrice : IBAN": ("debtor_iban", "text", "IBAN du compte débité"),
    "Banque émettrice : BIC": ("debtor_bic", "text", "BIC du compte débité (facultatif)"),
    "Banque émettrice : nom": ("debtor_name", "text", "nom du donneur d'ordre (vide = raison sociale)"),
    "Banque émettrice : rue": ("street", "text", "adresse du donneur d'ordre"),
    "Banque émettrice : code postal": ("postcode", "text", ""),
    "Banque émettrice : ville": ("town", "text", ""),
    "Banque émettrice : pays": ("country", "text", "code pays ISO (FR)"),
    "Identifiant émetteur": ("initiating_party_id", "text", "SIREN ou identifiant fourni par la banque (facultatif)"),
    "Journal de banque": ("bank_journal", "text", "journal des écritures de virement (ex. BQ1)"),
    "Compte de banque": ("bank_account", "text", "compte 512 de la banque émettrice"),
    "Date d'exécution demandée": ("requested_execution_date", "date", "jour ouvré TARGET2 (jj/mm/aaaa)"),
    "Remise": ("batch_booking", "booking", "Globale (une ligne au relevé) ou Unitaire (une ligne par virement)"),
    "Version": ("version", "version", "pain.001.001.09 (défaut) ou pain.001.001.03"),
    "Dossier des fichiers": ("output_folder", "text", "où écrire les fichiers SEPA et FEC (vide = sous-dossier « virements » du dossier)"),
    "Fichier à annuler": ("cancel_file", "text", "pour « Annuler un fichier » : nom du fichier ou référence (MsgId) rejeté par la banque"),
    "Motif d'annulation": ("cancel_reason", "text", "ex. rejet de la banque du jj/mm/aaaa"),
}
EXTRA_FIELDS = {"dossier", "output_folder", "cancel_file", "cancel_reason"}
_BY_NORM = {" ".join(k.casefold().split()): k for k in LABELS}


def _norm(text: Any) -> str:
    return " ".join(str(text or "").casefold().split())


def parse_date(value: Any) -> date:
    """A date typed in Excel: datetime/date, ``jj/mm/aaaa``, ``jj/mm/aa``, ``aaaa-mm-jj``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", text)
    if m:
        d, mth, y = (int(g) for g in m.groups())
        return date(y + 2000 if y < 100 else y, mth, d)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", text)
    if m:
        return date(*(int(g) for g in m.groups()))
    raise ValueError(text)


def _split(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return tuple(p.strip() for p in re.split(r"[,;\s]+", str(value)) if p.strip())


def parse_parameters(rows: list[tuple[int, Any, Any]], *, defaults: Mapping[str, Any] | None = None, sheet: str = SHEET) -> tuple[TransferParameters | None, dict[str, Any], list[Alert]]:
    """Read ``(excel_row, label, value)`` rows.

    Returns ``(parameters or None when blocking, raw extras such as « Dossier », alerts)``.
    """
    values: dict[str, Any] = dict(defaults or {})
    extras: dict[str, Any] = {}
    alerts: list[Alert] = []
    for row, label, value in rows:
        name = _BY_NORM.get(_norm(label))
        if name is None or value in (None, ""):
            continue
        field, kind, expected = LABELS[name]
        where = {"sheet": sheet, "row": row, "column": "Valeur"}
        try:
            parsed = _parse(kind, value)
        except ValueError:
            alerts.append(alert("TRANSFER_PARAM_INVALID", name=name, value=value, expected=expected or kind, **where))
            continue
        if field in EXTRA_FIELDS:
            extras[field] = parsed
        else:
            values[field] = parsed
            values.setdefault("_rows", {})[field] = row
    rows_of = values.pop("_rows", {})
    for field, label in (("period_start", "Période du"), ("period_end", "Période au")):
        if field not in values:
            alerts.append(alert("TRANSFER_PARAM_MISSING", sheet=sheet, column="Valeur", name=label, hint="saisissez une date jj/mm/aaaa"))
    if "period_start" in values and "period_end" in values and values["period_start"] > values["period_end"]:
        alerts.append(alert("TRANSFER_PERIOD_INVERTED", sheet=sheet, row=rows_of.get("period_start"), column="Valeur", start=values["period_start"].strftime("%d/%m/%Y"), end=values["period_end"].strftime("%d/%m/%Y")))
    for root in values.get("supplier_roots", ()) + values.get("other_roots", ()):
        if not root.isdigit():
            alerts.append(alert("TRANSFER_PARAM_INVALID", sheet=sheet, row=rows_of.get("other_roots") or rows_of.get("supplier_roots"), column="Valeur", name="Racines", value=root, expected="des chiffres, ex. 401 ou 421,467"))
    if any(a.is_blocking for a in alerts):
        return None, extras, alerts
    address = PostalAddress(
        street=str(values.pop("street", "") or ""),
        postcode=str(values.pop("postcode", "") or ""),
        town=str(values.pop("town", "") or ""),
        country=str(values.pop("country", "FR") or "FR").upper(),
    )
    if "debtor_address" in values and not (address.street or address.town):
        address = values["debtor_address"]
    values["debtor_address"] = address
    known = set(TransferParameters.model_fields)
    return TransferParameters(**{k: v for k, v in values.items() if k in known}), extras, alerts


def _parse(kind: str, value: Any) -> Any:
    if kind == "date":
        return parse_date(value)
    if kind == "list":
        return tuple(s.upper() for s in _split(value))
    if kind == "roots":
        return _split(value)
    if kind == "bool":
        text = _norm(value)
        if isinstance(value, bool):
            return value
        if text in ("oui", "o", "x", "1", "vrai", "true", "yes"):
            return True
        if text in ("non", "n", "0", "faux", "false", "no"):
            return False
        raise ValueError(text)
    if kind == "booking":
        text = _norm(value)
        if text.startswith("glob"):
            return True
        if text.startswith("unit"):
            return False
        raise ValueError(text)
    if kind == "version":
        text = _norm(value).replace(" ", "")
        for v in VERSIONS:
            if text in (v, v[-2:], v[-6:]):
                return v
        raise ValueError(text)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def template_rows(values: Mapping[str, Any] | None = None) -> list[list[Any]]:
    """Rows « Paramètre | Valeur | Aide » for a fresh sheet (with optional values)."""
    values = values or {}
    defaults = {"Racines fournisseurs": "401", "Importer les débits non lettrés": "Non", "Remise": "Globale", "Version": DEFAULT_VERSION}
    return [[label, values.get(label, defaults.get(label)), help_] for label, (_, _, help_) in LABELS.items()]
