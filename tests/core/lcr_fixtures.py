"""Inputs of the LCR tests: the spec's example and the golden cases.

IBANs: the spec's (``shared/specs/cfonb-lcr.md``, all pass mod-97 and the RIB key) and
fictitious RIBs turned into IBANs with schwifty's ``IBAN.generate`` (both keys computed).
SIRENs: the spec's 123456782 / 987654324 (valid Luhn, fictitious companies).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from reglo.core.lcr.models import Drawer, LcrInvoice, LcrParams, LcrRow
from reglo.core.writers.cfonb160 import AcceptanceCode, CollectionOption, DaillyCode

SPEC_EXAMPLE_SHA256 = "471557c35d287433bb2c40a583ccf694426f57c8cf9f2767c804544b8dc4bb3a"
NOW = datetime(2026, 3, 2, 9, 30, 0)
TODAY = date(2026, 3, 2)

SPEC_DRAWER = Drawer(legal_name="SARL EXEMPLE DUPONT", siren="123456782", bank_name="CREDIT LYONNAIS", iban="FR3330002005500000157841Z25")
SPEC_PARAMS = LcrParams(remittance_date=date(2026, 3, 2), remittance_ref="LCR2603001", journal_code="BQ1")


def inv(ref: str, amount: str, doc: date | None = None, due: date | None = None, label: str = "") -> LcrInvoice:
    return LcrInvoice(document_ref=ref, amount=Decimal(amount), document_date=doc, due_date=due, label=label)


SPEC_ROWS = (
    LcrRow(
        party_code="C0451", party_name="MARTIN ET FILS SA", account_label="MARTIN ET FILS", iban="FR1420041010050500013M02606",
        bank_name="LA BANQUE POSTALE", siren="987654324", amount=Decimal("112.00"), creation_date=date(2026, 2, 15),
        due_date=date(2026, 3, 31), acceptance=AcceptanceCode.NOT_ACCEPTED, drawee_ref="F2026011", drawer_ref="451",
        invoices=(inv("F2026011", "112.00", date(2026, 2, 15), date(2026, 3, 31), "Prestation février"),), source_row=2,
    ),
    LcrRow(
        party_code="C0452", party_name="BOULANGERIE L OLIVIER", iban="FR7630004008190001234567879", amount=Decimal("42.00"),
        creation_date=date(2026, 2, 16), due_date=date(2026, 3, 31), acceptance=AcceptanceCode.NOT_ACCEPTED,
        drawee_ref="00F2026012", drawer_ref="0000000452",
        invoices=(inv("F2026012", "42.00", date(2026, 2, 16), date(2026, 3, 31), "Maintenance four"),), source_row=3,
    ),
)

# --- golden cases: (rows, drawer, params) ------------------------------------------------

DRAWER = Drawer(legal_name="Atelier Reglo SAS", siren="123456782", bank_name="Banque Populaire", iban="FR7610107001180002012340109")

SINGLE_BILL = (
    (
        LcrRow(
            party_code="C1001", party_name="Garage Lefèvre", iban="FR7630003036200005001234512", bank_name="Société Générale",
            amount=Decimal("1250.40"), creation_date=date(2026, 3, 1), due_date=date(2026, 4, 30),
            drawee_ref="FA2026118", drawer_ref="C1001", invoices=(inv("FA2026118", "1250.40", date(2026, 3, 1), date(2026, 4, 30)),), source_row=2,
        ),
    ),
    DRAWER,
    LcrParams(remittance_date=date(2026, 3, 2), remittance_ref="R2603A", journal_code="BPO"),
)

SEVERAL_DRAWEES = (
    (
        LcrRow(
            party_code="C2001", party_name="Menuiserie Bois Clair", iban="FR9217515900000800112233A32", bank_name="Caisse d'Epargne",
            siren="987654324", amount=Decimal("3000.00"), creation_date=date(2026, 3, 1), due_date=date(2026, 4, 15),
            acceptance=AcceptanceCode.ACCEPTED, drawee_ref="FA2026201", drawer_ref="1", source_row=2,
            invoices=(inv("FA2026201", "1800.00", date(2026, 2, 20)), inv("FA2026205", "1200.00", date(2026, 3, 1))),
        ),
        LcrRow(
            party_code="C2002", party_name="Transports Rapides", iban="FR7618206004104123456789970", amount=Decimal("845.10"),
            creation_date=date(2026, 3, 1), due_date=date(2026, 4, 30), acceptance=AcceptanceCode.NOT_ACCEPTED,
            drawee_ref="FA2026210", drawer_ref="2", source_row=3, invoices=(inv("FA2026210", "845.10", date(2026, 3, 1)),),
        ),
        LcrRow(
            party_code="C2003", party_name="SCI Les Tilleuls", iban="FR6714505000010801234567K79", bank_name="La Banque Postale",
            amount=Decimal("99999.99"), creation_date=date(2026, 2, 28), due_date=date(2026, 5, 31), acceptance=AcceptanceCode.PROMISSORY_NOTE,
            drawee_ref="", drawer_ref="BOR0003", source_row=4, invoices=(inv("FA2026199", "99999.99", date(2026, 2, 28)),),
        ),
    ),
    DRAWER,
    LcrParams(
        remittance_date=date(2026, 3, 2), remittance_ref="ESC2603", journal_code="BPO",
        collection_option=CollectionOption.DISCOUNT, value_date=date(2026, 3, 5),
        dailly_code=DaillyCode.ASSIGNMENT_DISCOUNT, convention_type="CONV1", group_entries=False,
    ),
)

LONG_NAMES_ACCENTS = (
    (
        LcrRow(
            party_code="C3001", party_name="Société Générale d'Équipements Électriques & Fils", iban="FR7630003036200005001234512",
            bank_name="Crédit Agricole d'Île-de-France", siren="987654324", amount=Decimal("17.05"),
            creation_date=date(2026, 3, 2), due_date=date(2026, 3, 31), drawee_ref="f2026301", drawer_ref="", source_row=2,
            invoices=(inv("F2026301", "17.05", date(2026, 3, 2)),),
        ),
        LcrRow(
            party_code="C3002", party_name="Œuvres Müller — Straße Nº 5 «Ça»", iban="FR7618206004104123456789970", bank_name="",
            amount=Decimal("0.01"), creation_date=date(2026, 3, 2), due_date=date(2026, 3, 31), source_row=3,
            invoices=(inv("F2026302", "0.01", date(2026, 3, 2)),),
        ),
    ),
    Drawer(legal_name="Ébénisterie Côté Jardin — Société à responsabilité limitée", siren="123456782", bank_name="Crédit Mutuel Île-de-France", iban="FR7610107001180002012340109"),
    LcrParams(remittance_date=date(2026, 3, 2), remittance_ref="accents-1", journal_code="BCM", counterparty_label="LCR {PIECE} {RAISON_SOCIALE}"),
)

NO_LINE_BREAK = (SINGLE_BILL[0], SINGLE_BILL[1], SINGLE_BILL[2].model_copy(update={"line_ending": "AUCUN", "remittance_ref": "R2603B"}))

GOLDEN_CASES = {
    "single_bill": SINGLE_BILL,
    "several_drawees": SEVERAL_DRAWEES,
    "long_names_accents": LONG_NAMES_ACCENTS,
    "no_line_break": NO_LINE_BREAK,
}
