"""« Paramètres virements » parsing, amount bounds, and the alert-code inventory."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from reglo.core.catalogue.transfers import MESSAGES
from reglo.core.transfers import import_lines, plan_transfers
from reglo.core.transfers.params import LABELS, parse_date, parse_parameters, template_rows
from tests.core.transfer_fixtures import PARTIES, invoice, ledger, params


def codes(alerts):
    return {a.code.value for a in alerts}


def rows(**values):
    return [(i + 2, k, v) for i, (k, v) in enumerate(values.items())]


def test_parse_parameters_lenient_values():
    p, extras, alerts = parse_parameters(rows(**{
        "Période du": datetime(2023, 3, 1), "période au ": "31/03/2023", "Journaux": "ac, ha", "Racines des comptes (autres que fournisseurs)": "421,467",
        "Importer les débits non lettrés": "oui", "Remise": "unitaire", "Version": "03", "Date d'exécution demandée": "2023-03-31",
        "Dossier": "/tmp/x", "Journal de banque": "BQ2", "Racines fournisseurs": 401.0,
    }))
    assert alerts == [] and extras == {"dossier": "/tmp/x"}
    assert (p.period_start, p.period_end, p.journals, p.other_roots, p.supplier_roots) == (date(2023, 3, 1), date(2023, 3, 31), ("AC", "HA"), ("421", "467"), ("401",))
    assert (p.import_debits, p.batch_booking, p.version, p.requested_execution_date, p.bank_journal) == (True, False, "pain.001.001.03", date(2023, 3, 31), "BQ2")
    assert p.roots == ("401", "421", "467")


def test_parse_parameters_defaults_from_the_dossier():
    p, _, _ = parse_parameters(rows(**{"Période du": "01/03/2023", "Période au": "31/03/23"}), defaults={"debtor_name": "ACME", "fiscal_year_start": date(2023, 1, 1)})
    assert p.debtor_name == "ACME" and p.fiscal_year_start == date(2023, 1, 1) and p.period_end == date(2023, 3, 31)
    assert p.version == "pain.001.001.09" and p.batch_booking is True and p.supplier_roots == ("401",)


def test_parameter_alerts():
    _, _, alerts = parse_parameters(rows(**{"Période du": "31/03/2023", "Période au": "01/03/2023"}))
    assert codes(alerts) == {"TRANSFER_PERIOD_INVERTED"}
    _, _, alerts = parse_parameters(rows(**{"Période du": "01/03/2023"}))
    assert codes(alerts) == {"TRANSFER_PARAM_MISSING"}
    _, _, alerts = parse_parameters(rows(**{"Période du": "01/03/2023", "Période au": "31/03/2023", "Racines des comptes (autres que fournisseurs)": "421,4x7"}))
    assert codes(alerts) == {"TRANSFER_PARAM_INVALID"}
    _, _, alerts = parse_parameters(rows(**{"Période du": "32/03/2023", "Période au": "31/03/2023", "Importer les débits non lettrés": "peut-être"}))
    assert [a.code.value for a in alerts].count("TRANSFER_PARAM_INVALID") == 2
    _, _, ok = parse_parameters(rows(**{"Période du": "01/03/2023", "Période au": "31/03/2023"}))
    assert ok == []


def test_parse_date_forms():
    assert parse_date("5/3/2023") == date(2023, 3, 5) == parse_date("2023-03-05T00:00:00.000Z") == parse_date(datetime(2023, 3, 5, 12))


def test_template_lists_every_label_with_defaults():
    t = template_rows()
    assert [r[0] for r in t] == list(LABELS)
    assert dict((r[0], r[1]) for r in t)["Version"] == "pain.001.001.09"


def test_S_A2_amount_out_of_range_is_blocking():
    frame = ledger(invoice("1", "F001", "BIG", "1000000000.00", "2023-03-10"), invoice("2", "F002", "OK", "10.00", "2023-03-10"))
    lines = import_lines(frame, params()).lines
    plan = plan_transfers(lines, PARTIES, params(), message_id="VIR20230331100000", today=date(2023, 3, 31))
    assert "AMOUNT_OUT_OF_RANGE" in codes(plan.alerts) and plan.batch is None
    ok = plan_transfers(lines[1:], PARTIES, params(), message_id="VIR20230331100000", today=date(2023, 3, 31))
    assert "AMOUNT_OUT_OF_RANGE" not in codes(ok.alerts) and ok.batch is not None


def test_every_transfers_alert_code_has_a_test():
    here = Path(__file__).resolve().parent.parent
    text = "".join(p.read_text(encoding="utf-8") for pattern in ("core/test_transfers*.py", "core/test_pain001*.py", "core/test_sepa_text*.py", "addin/test_transfers*.py") for p in here.glob(pattern))
    missing = [code for code in MESSAGES if not re.search(rf'"{code}"', text)]
    assert missing == []
