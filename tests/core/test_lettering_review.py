"""Review of the lettering engine (issue 4): short invoice numbers, « € € », alternatives."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from reglo.core.catalogue.lettering import MESSAGES
from reglo.core.lettering import LetteringOptions, Rule, apply_lettering, normalise_ref, propose_lettering, ref_tokens
from reglo.core.lettering.refs import normalise_refs
from tests.core.lettering_fixtures import ledger

H = "| row | account | aux | date | ref | label | debit | credit | let | due |"


@pytest.mark.parametrize("a, b", [("FA001", "Reglement FA001"), ("FA-0042", "VIR FA 42"), ("F0099", "Règlement facture 99"),
                                  ("FACT 9", "Virement FACT 0009"), ("FA0042", "Paiement facture n° 42")])
def test_short_invoice_numbers_have_a_key_named_by_payment_labels(a, b):
    key = normalise_ref(a)
    assert key and key in ref_tokens(b)


@pytest.mark.parametrize("text", ["F1", "12", "0042", "N°5", "NO 0042", "REF 12", "FA000", "Vertou"])
def test_short_numbers_without_invoice_prefix_name_nothing(text):
    assert normalise_ref(text) == ""


def test_vectorised_normalisation_matches_the_scalar_one():
    xs = ["FA001", "FA-0042", "F0099", "FACT 9", "F1", "F01", "N°5", "NO0042", "0042", "CHQ 0000042", "FA25-0012", "000123",
          "FANO12", "FACTURE N° 42", "FA12A", "FA001B", "ARN/25/6429", "", "fa 7"]
    assert normalise_refs(pa.array(xs)).to_pylist() == [normalise_ref(x) for x in xs]


def test_short_invoice_number_letters_by_reference_not_by_a_coin_toss():
    f = ledger(f"""{H}
    | 10 | 411000 | C001 | 2025-03-01 | FA001 | Facture FA001 | 150,00 | | | 2025-03-31 |
    | 11 | 411000 | C001 | 2025-03-01 | FA002 | Facture FA002 | 150,00 | | | 2025-03-31 |
    | 20 | 411000 | C001 | 2025-03-20 | VIR | Reglement FA002 | | 150,00 | | |
    """)
    p = propose_lettering(f)
    (g,) = p.groups
    assert g.rows == (11, 20) and g.rule is Rule.REFERENCE and not g.ambiguous


def test_numbers_in_amounts_dates_and_cheques_do_not_name_short_invoices():
    f = ledger(f"""{H}
    | 10 | 411000 | C001 | 2025-03-01 | FA042 | Facture FA042 | 150,00 | | | 2025-03-31 |
    | 11 | 411000 | C001 | 2025-03-01 | FA012 | Facture FA012 | 150,00 | | | 2025-03-31 |
    | 20 | 411000 | C001 | 2025-03-12 | CHQ 0000042 | Chèque n° 42 du 12/03 42,00 12 | | 150,00 | | |
    """)
    p = propose_lettering(f)
    assert all(g.rule is not Rule.REFERENCE for g in p.groups)
    assert all(g.ambiguous for g in p.groups)  # a tie stays a tie: no reference breaks it


def _renders(p):
    return [a.message for a in p.alerts]


def test_no_lettering_message_renders_the_euro_sign_twice():
    for code, (_, text) in MESSAGES.items():
        assert "} €" not in text, code  # the amounts come formatted with their « € »
    bad = ledger(f"""{H}
    | 1 | 411000 | C001 | 2025-01-01 | FA1 | Facture | 100,00 | | AA | |
    | 2 | 411000 | C001 | 2025-01-05 | V1 | Virement | | 90,00 | AA | |
    | 7 | 411000 | C002 | 2025-01-05 | X | Mixte | 10,00 | 5,00 | | |
    | 10 | 411000 | C003 | 2025-01-10 | FA77 | Facture FA77 | 100,00 | | | |
    | 20 | 411000 | C003 | 2025-01-20 | V2 | Virement FA77 | | 99,50 | | |
    """)
    p = propose_lettering(bad, LetteringOptions(tolerance="1.00"))
    got = {a.code.value for a in p.alerts}
    assert {"LET_GROUP_UNBALANCED", "LET_DEBIT_AND_CREDIT", "LET_WRITE_OFF"} <= got
    f = ledger(f"""{H}
    | 10 | 411000 | C001 | 2025-01-10 | FA1 | Facture | 850,00 | | | |
    | 20 | 411000 | C001 | 2025-02-12 | RLV | VIR | | 850,00 | | |
    """)
    p2 = propose_lettering(f)
    (g,) = p2.groups
    tampered = p2.model_copy(update={"groups": (g._replace(rows=(10,)),)})
    res = apply_lettering(f, tampered, run_id="r")
    assert "LET_PROPOSAL_UNBALANCED" in {a.code.value for a in res.alerts}
    messages = _renders(p) + [a.message for a in res.alerts]
    assert messages and all("€ €" not in m and "€  €" not in m for m in messages)
    assert any("€" in m for m in messages)


def test_ambiguous_note_lists_only_true_alternatives():
    f = ledger(f"""{H}
    | 4 | 411000 | C003 | 2025-03-31 | CHQ | Chèque | | 150,00 | | |
    | 5 | 411000 | C003 | 2025-03-01 | FA10 | Facture | 150,00 | | | 2025-03-31 |
    | 7 | 411000 | C003 | 2025-03-01 | FA11 | Facture | 150,00 | | | 2025-03-31 |
    """)
    p = propose_lettering(f)
    (g,) = p.groups
    assert g.ambiguous
    other = ({5, 7} - set(g.rows)).pop()
    mine = ({5, 7} & set(g.rows)).pop()
    assert g.alternative_texts() == [f"ligne {other} au lieu de la ligne {mine}"]
    (amb,) = [a for a in p.alerts if a.code.value == "LET_AMBIGUOUS"]
    assert "lignes 4," not in amb.message and f"ligne {other} au lieu de la ligne {mine}" in amb.message


def test_a_short_number_that_does_not_balance_is_no_evidence():
    # « facture 2 échéances » names no invoice: the short key « 2 » links nothing that does not balance
    f = ledger(f"""{H}
    | 10 | 411000 | C001 | 2025-03-01 | FA002 | Facture FA002 | 300,00 | | | 2025-03-31 |
    | 20 | 411000 | C001 | 2025-03-20 | VIR | Virement facture 2 échéances | | 50,00 | | |
    """)
    p = propose_lettering(f)
    assert not p.groups  # no partial lettering of FA002 on a coincidence
    long_ref = ledger(f"""{H}
    | 10 | 411000 | C001 | 2025-03-01 | FA25-0002 | Facture FA25-0002 | 300,00 | | | 2025-03-31 |
    | 20 | 411000 | C001 | 2025-03-20 | VIR | Virement FA25-0002 acompte | | 50,00 | | |
    """)
    (g,) = propose_lettering(long_ref).groups
    assert g.partial  # a full invoice number is evidence enough for a partial lettering
