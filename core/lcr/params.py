"""« Paramètres LCR »: the generation options as the user types them (parameter → value),
read into ``LcrParams`` with one alert per wrong cell.

Accepted forms: dates as Excel dates or jj/mm/aaaa; codes as the digit alone or the digit
followed by its label (« 3 - Encaissement »); yes/no as Oui/Non, O/N, Vrai/Faux, 1/0; line
ending « CRLF » or « Aucun ».
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from reglo.core.alerts import Alert, alert
from reglo.core.dossier import cell_date, cell_text
from reglo.core.lcr.models import LcrParams
from reglo.core.lcr.prepare import PARAMS
from reglo.core.writers.cfonb160 import LINE_ENDINGS, CollectionOption, DaillyCode


class Keys:
    REMITTANCE_DATE = "Date de remise"
    REMITTANCE_REF = "Référence de la remise"
    JOURNAL = "Journal de trésorerie"
    COLLECTION_OPTION = "Code entrée"
    DAILLY = "Code Dailly"
    CONVENTION = "Type de convention"
    VALUE_DATE = "Date de valeur"
    LINE_ENDING = "Fin de ligne"
    GROUP = "Regrouper les LCR dans l'écriture comptable"
    LETTERING = "Lettrage"
    LABEL = "Libellé de contrepartie"
    COLLECTION_ACCOUNT = "Compte effets à l'encaissement"
    DISCOUNT_ACCOUNT = "Compte effets à l'escompte"


_YES = {"oui", "o", "vrai", "1", "yes", "true", "x"}
_NO = {"non", "n", "faux", "0", "no", "false", ""}


def _yes_no(value: Any, key: str, default: bool, alerts: list[Alert]) -> bool:
    text = cell_text(value).strip().lower()
    if value is None or text == "":
        return default
    if text in _YES:
        return True
    if text in _NO:
        return False
    alerts.append(alert("LCR_CODE_INVALID", field=key, value=cell_text(value), expected="Oui, Non", sheet=PARAMS, column=key))
    return default


def _code(value: Any, key: str, enum: type, default: Any, alerts: list[Alert], *, blank: Any = None) -> Any:
    text = cell_text(value).strip()
    if text == "" or (blank is not None and text.lower().startswith("aucun")):
        return blank if blank is not None else default
    try:
        return enum(text[0])
    except ValueError:
        expected = ", ".join(repr(m.value) if m.value == " " else m.value for m in enum)
        alerts.append(alert("LCR_CODE_INVALID", field=key, value=text, expected=expected, sheet=PARAMS, column=key))
        return default


def read_params(values: Mapping[str, Any], *, today: date) -> tuple[LcrParams | None, list[Alert]]:
    """``LcrParams`` from the parameter sheet, or None when a required value is wrong."""
    alerts: list[Alert] = []

    def a_date(key: str, *, required: bool, default: date | None = None) -> date | None:
        raw = values.get(key)
        try:
            value = cell_date(raw)
        except ValueError:
            alerts.append(alert("LCR_DATE_INVALID", field=key, value=cell_text(raw), sheet=PARAMS, column=key))
            return None
        if value is None and required and default is None:
            alerts.append(alert("LCR_DATE_INVALID", field=key, value="", sheet=PARAMS, column=key))
        return value or default

    remittance_date = a_date(Keys.REMITTANCE_DATE, required=True, default=today)
    value_date = a_date(Keys.VALUE_DATE, required=False)
    reference = cell_text(values.get(Keys.REMITTANCE_REF)).strip()
    journal = cell_text(values.get(Keys.JOURNAL)).strip()
    for key, text in ((Keys.REMITTANCE_REF, reference), (Keys.JOURNAL, journal)):
        if not text:
            alerts.append(alert("LCR_TEXT_EMPTY", field=key, original="", sheet=PARAMS, column=key))
    option = _code(values.get(Keys.COLLECTION_OPTION), Keys.COLLECTION_OPTION, CollectionOption, CollectionOption.COLLECTION, alerts)
    dailly = _code(values.get(Keys.DAILLY), Keys.DAILLY, DaillyCode, DaillyCode.NONE, alerts, blank=DaillyCode.NONE)
    ending_text = cell_text(values.get(Keys.LINE_ENDING)).strip().upper() or "CRLF"
    if ending_text not in LINE_ENDINGS:
        alerts.append(alert("LCR_CODE_INVALID", field=Keys.LINE_ENDING, value=ending_text, expected="CRLF, Aucun", sheet=PARAMS, column=Keys.LINE_ENDING))
        ending_text = "CRLF"
    group = _yes_no(values.get(Keys.GROUP), Keys.GROUP, True, alerts)
    lettering = _yes_no(values.get(Keys.LETTERING), Keys.LETTERING, False, alerts)
    if any(a.is_blocking for a in alerts) or remittance_date is None:
        return None, alerts
    params = LcrParams(
        remittance_date=remittance_date,
        remittance_ref=reference,
        journal_code=journal,
        collection_option=option,
        dailly_code=dailly,
        convention_type=cell_text(values.get(Keys.CONVENTION)).strip(),
        value_date=value_date,
        line_ending=ending_text,
        group_entries=group,
        lettering=lettering,
        counterparty_label=cell_text(values.get(Keys.LABEL)),
        collection_account=cell_text(values.get(Keys.COLLECTION_ACCOUNT)).strip() or "511300",
        discount_account=cell_text(values.get(Keys.DISCOUNT_ACCOUNT)).strip() or "511400",
    )
    return params, alerts
