"""« Paramètres LCR » read into LcrParams, one alert per wrong cell."""
from __future__ import annotations

from datetime import date

import pytest

from reglo.core.lcr.params import Keys, read_params
from reglo.core.writers.cfonb160 import CollectionOption, DaillyCode

TODAY = date(2026, 3, 2)
BASE = {Keys.REMITTANCE_REF: "LCR2603001", Keys.JOURNAL: "BQ1"}


def test_defaults():
    params, alerts = read_params(BASE, today=TODAY)
    assert alerts == []
    assert (params.remittance_date, params.collection_option, params.dailly_code, params.line_ending, params.group_entries, params.lettering) == (
        TODAY, CollectionOption.COLLECTION, DaillyCode.NONE, "CRLF", True, False,
    )
    assert (params.collection_account, params.discount_account, params.remittance_account) == ("511300", "511400", "511300")


def test_typed_values():
    values = {
        **BASE, Keys.REMITTANCE_DATE: "05/03/2026", Keys.COLLECTION_OPTION: "1 - Escompte", Keys.DAILLY: "2", Keys.CONVENTION: "CONV1",
        Keys.VALUE_DATE: date(2026, 3, 6), Keys.LINE_ENDING: "Aucun", Keys.GROUP: "Non", Keys.LETTERING: "Oui", Keys.LABEL: "LCR {PIECE}",
    }
    params, alerts = read_params(values, today=TODAY)
    assert alerts == []
    assert (params.remittance_date, params.collection_option, params.dailly_code, params.value_date, params.line_ending) == (
        date(2026, 3, 5), CollectionOption.DISCOUNT, DaillyCode.PLEDGE, date(2026, 3, 6), "AUCUN",
    )
    assert (params.group_entries, params.lettering, params.counterparty_label, params.remittance_account) == (False, True, "LCR {PIECE}", "511400")
    assert read_params({**BASE, Keys.DAILLY: "Aucun"}, today=TODAY)[0].dailly_code is DaillyCode.NONE


@pytest.mark.parametrize(
    "key, value, code",
    [
        (Keys.COLLECTION_OPTION, "7", "LCR_CODE_INVALID"),
        (Keys.DAILLY, "X", "LCR_CODE_INVALID"),
        (Keys.LINE_ENDING, "LF", "LCR_CODE_INVALID"),
        (Keys.GROUP, "peut-être", "LCR_CODE_INVALID"),
        (Keys.REMITTANCE_DATE, "31/02/2026", "LCR_DATE_INVALID"),
        (Keys.VALUE_DATE, "demain", "LCR_DATE_INVALID"),
        (Keys.JOURNAL, "", "LCR_TEXT_EMPTY"),
    ],
)
def test_wrong_cells(key, value, code):
    params, alerts = read_params({**BASE, key: value}, today=TODAY)
    assert [(a.code.value, a.column) for a in alerts] == [(code, key)]
    assert params is None or not any(a.is_blocking for a in alerts)
