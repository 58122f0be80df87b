"""read_fec against shared/specs/fec.md: separators, encodings, dates, amounts, variants,
broken lines, and the rule that every line ends in the ledger or in an alert."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reglo.core.alerts import Severity
from reglo.core.fec import MAX_ALERTS_PER_CODE, FecError, read_fec
from reglo.core.ledger import COLUMNS
from tests.core.fec_samples import HEADER, clean, entry, fec, row


def codes(ledger) -> set[str]:
    return {a.code.value for a in ledger.alerts}


def where(ledger, code: str) -> list[tuple[int | None, str | None]]:
    return [(a.row, a.column) for a in ledger.alerts if a.code.value == code]


def assert_every_line_accounted(ledger, data_lines: int) -> None:
    """Every physical line after the header is in the frame or named by an alert."""
    assert ledger.lines_read == data_lines
    assert len(ledger.frame) + len(ledger.rejected_lines) == data_lines
    in_frame = set(ledger.frame["source_row"].tolist())
    rejected = set(ledger.rejected_lines)
    assert not in_frame & rejected
    assert in_frame | rejected == set(range(2, data_lines + 2))
    alerted = {a.row for a in ledger.alerts}
    trailing = [a.row for a in ledger.alerts if a.code.value == "FEC_TRAILING_BLANK_LINES"]
    summaries = [a.row for a in ledger.alerts if a.code.value == "FEC_MORE_ALERTS"]
    for line in rejected:
        assert line in alerted or (trailing and line >= trailing[0]) or (summaries and line >= min(summaries)), line


# --- a clean file -------------------------------------------------------------


def test_clean_file_has_no_alert_and_typed_columns():
    ledger = read_fec(clean(), filename="552100554FEC20251231.txt")
    assert ledger.alerts == []
    f = ledger.frame
    assert list(f.columns) == list(COLUMNS)
    assert f["debit"].dtype == np.int64 and f["credit"].dtype == np.int64
    assert str(f["entry_date"].dtype) == "datetime64[s]"
    assert f["debit"].tolist() == [120000, 0, 35040, 0]
    assert f["credit"].tolist() == [0, 120000, 0, 35040]
    assert f["entry_date"].iloc[0] == pd.Timestamp("2025-01-31")
    assert f["label"].iloc[0] == "Facture F2025-001 été"
    assert f["source_row"].tolist() == [2, 3, 4, 5]
    assert f["foreign_amount"].isna().all()
    assert f["lettered_on"].isna().all()
    assert ledger.separator == "\t" and ledger.encoding == "utf-8"
    assert_every_line_accounted(ledger, 4)


# --- separators, line ends --------------------------------------------------------


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_tab_and_pipe_give_the_same_frame(sep):
    ledger = read_fec(fec(entry("VT1"), sep=sep))
    assert ledger.alerts == []
    assert ledger.separator == sep
    pd.testing.assert_frame_equal(ledger.frame, read_fec(fec(entry("VT1"))).frame)


@pytest.mark.parametrize("eol,final", [("\r\n", True), ("\n", True), ("\r", True), ("\n", False), ("\r\n", False)])
def test_line_ends_and_missing_final_newline(eol, final):
    ledger = read_fec(fec(entry("VT1") + entry("VT2"), eol=eol, final_eol=final))
    assert ledger.alerts == []
    assert ledger.frame["source_row"].tolist() == [2, 3, 4, 5]
    assert ledger.frame["credit"].iloc[3] == 120000


@pytest.mark.parametrize("sep,name", [(";", "point-virgule"), (",", "virgule")])
def test_semicolon_or_comma_separated_is_read_with_a_blocking_alert(sep, name):
    rows = entry("VT1")
    if sep == ",":  # a comma-separated file cannot hold decimal commas
        rows = [{k: v.replace(",", ".") for k, v in r.items()} for r in rows]
    ledger = read_fec(fec(rows, sep=sep))
    sep_alerts = [a for a in ledger.alerts if a.code.value == "FEC_SEPARATOR"]
    assert len(sep_alerts) == 1 and sep_alerts[0].severity is Severity.BLOCKING and sep_alerts[0].row == 1
    assert name in sep_alerts[0].message
    assert len(ledger.frame) == 2


def test_tab_file_has_no_separator_alert():
    assert "FEC_SEPARATOR" not in codes(read_fec(clean()))


def test_header_without_any_separator_is_unusable():
    with pytest.raises(FecError) as err:
        read_fec(b"JournalCode JournalLib EcritureNum\r\nVT Ventes 1\r\n")
    assert err.value.alert.code.value == "FEC_SEPARATOR"


# --- encodings ----------------------------------------------------------------------


def _accented_rows():
    return entry("VT1", EcritureLib="Règlement Société Générale œuvre", CompAuxLib="Hôpital d’Évian")


def test_utf8_with_and_without_bom():
    plain = read_fec(fec(_accented_rows()))
    bom = read_fec(fec(_accented_rows(), bom=True))
    assert plain.encoding == "utf-8" and bom.encoding == "utf-8-sig"
    assert plain.alerts == [] and bom.alerts == []
    pd.testing.assert_frame_equal(plain.frame, bom.frame)
    assert bom.frame["label"].iloc[0] == "Règlement Société Générale œuvre"


def test_windows_1252():
    ledger = read_fec(fec(_accented_rows(), encoding="cp1252"))
    assert ledger.encoding == "cp1252"
    assert ledger.frame["label"].iloc[0] == "Règlement Société Générale œuvre"
    assert ledger.frame["subledger_label"].iloc[0] == "Hôpital d’Évian"
    assert ledger.alerts == []


def test_iso_8859_15_with_euro_sign():
    rows = entry("VT1", EcritureLib="Facture 1 200 € réglée")
    ledger = read_fec(fec(rows, encoding="iso-8859-15"))
    assert ledger.encoding == "iso-8859-15"
    assert ledger.frame["label"].iloc[0] == "Facture 1 200 € réglée"
    assert ledger.alerts == []


def test_utf16_from_excel_is_read_with_a_warning():
    data = fec(_accented_rows()).decode("utf-8").encode("utf-16")
    ledger = read_fec(data)
    assert ledger.encoding == "utf-16"
    assert codes(ledger) == {"FEC_ENCODING_NONSTANDARD"}
    assert ledger.frame["label"].iloc[0] == "Règlement Société Générale œuvre"


def test_mixed_encoding_is_reported_on_its_line():
    data = fec(entry("VT1")) + fec(entry("VT2", EcritureLib="Réglé"), encoding="cp1252").split(b"\r\n", 1)[1]
    ledger = read_fec(data)
    assert ledger.encoding in ("cp1252", "iso-8859-15")
    assert where(ledger, "FEC_ENCODING_MIXED") == [(2, None)]
    assert len(ledger.frame) == 4
    assert "FEC_ENCODING_MIXED" not in codes(read_fec(fec(entry("VT2", EcritureLib="Réglé"), encoding="cp1252")))


def test_a_workbook_is_not_a_fec():
    with pytest.raises(FecError) as err:
        read_fec(b"PK\x03\x04" + b"\x00" * 100)
    assert err.value.alert.code.value == "FEC_NOT_TEXT"
    assert "Excel" in err.value.alert.message


def test_truncated_utf16_is_unusable():
    with pytest.raises(FecError) as err:
        read_fec(b"\xff\xfeJ\x00o\x00u")
    assert err.value.alert.code.value == "FILE_ENCODING"


# --- empty, header only, 10 columns --------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file_is_unusable(data):
    with pytest.raises(FecError) as err:
        read_fec(data)
    assert err.value.alert.code.value == "FILE_EMPTY"


def test_header_only_file_gives_an_empty_ledger_and_a_blocking_alert():
    ledger = read_fec(fec([]))
    assert len(ledger.frame) == 0 and list(ledger.frame.columns) == list(COLUMNS)
    assert [a.code.value for a in ledger.alerts] == ["FEC_NO_ENTRIES"]
    assert ledger.alerts[0].severity is Severity.BLOCKING


def test_ten_column_fec_is_unusable_with_a_french_message_naming_the_missing_fields():
    header = HEADER[:10]
    with pytest.raises(FecError) as err:
        read_fec(fec(entry("VT1"), header=header))
    a = err.value.alert
    assert a.code.value == "FEC_HEADER_MISSING_FIELD" and a.row == 1
    for name in HEADER[10:]:
        assert name in a.message
    assert "obligatoire" in a.message


# --- header variants -----------------------------------------------------------------


def test_lowercase_header_and_devise_variants():
    header = [n.lower() for n in HEADER]
    header[16], header[17] = "MontantDevise", "IdDevise"
    rows = entry("VT1", MontantDevise="1300,50", IdDevise="USD")
    ledger = read_fec(fec(rows, header=header))
    assert where(ledger, "FEC_HEADER_VARIANT") == [(1, "IdDevise")]
    assert ledger.frame["foreign_amount"].tolist() == [130050, 130050]
    assert ledger.frame["currency"].tolist() == ["USD", "USD"]
    assert "FEC_HEADER_VARIANT" not in codes(read_fec(clean()))


def test_extra_field_is_warned_and_kept_and_due_date_is_read():
    header = HEADER + ["DateEcheance", "CodeAnalytique"]
    rows = [dict(r, DateEcheance="20250315", CodeAnalytique="CH-12") for r in entry("VT1")]
    rows[1]["DateEcheance"] = ""
    ledger = read_fec(fec(rows, header=header))
    assert where(ledger, "FEC_EXTRA_FIELD") == [(1, "CodeAnalytique")]
    assert ledger.frame["due_date"].iloc[0] == pd.Timestamp("2025-03-15")
    assert pd.isna(ledger.frame["due_date"].iloc[1])
    assert ledger.extra_fields == ("CodeAnalytique",)
    assert ledger.extra["CodeAnalytique"].tolist() == ["CH-12", "CH-12"]
    assert "FEC_EXTRA_FIELD" not in codes(read_fec(fec(rows[:0], header=HEADER + ["DateEcheance"])))


def test_fields_out_of_order_are_warned_and_still_mapped_by_name():
    header = HEADER[:]
    header[11], header[12] = header[12], header[11]  # Credit before Debit
    ledger = read_fec(fec(entry("VT1"), header=header))
    assert {(a.code.value, a.column) for a in ledger.alerts} == {("FEC_HEADER_ORDER", "Credit"), ("FEC_HEADER_ORDER", "Debit")}
    assert ledger.frame["debit"].tolist() == [120000, 0]


def test_duplicate_header_field_is_blocking():
    header = HEADER + ["Debit"]
    rows = [dict(r) for r in entry("VT1")]
    ledger = read_fec(fec(rows, header=header))
    assert where(ledger, "FEC_HEADER_DUPLICATE") == [(1, "Debit")]
    assert "FEC_HEADER_DUPLICATE" not in codes(read_fec(clean()))


def test_quoted_fields_from_a_spreadsheet_are_read_without_quotes():
    lines = ['"' + '"\t"'.join(HEADER) + '"']
    for r in entry("VT1"):
        lines.append('"' + '"\t"'.join(r[n] for n in HEADER) + '"')
    ledger = read_fec(("\r\n".join(lines) + "\r\n").encode())
    assert codes(ledger) == {"FEC_QUOTED_FIELDS"}
    assert ledger.frame["journal_code"].tolist() == ["VT", "VT"]
    assert ledger.frame["debit"].tolist() == [120000, 0]
    assert "FEC_QUOTED_FIELDS" not in codes(read_fec(clean()))


# --- Montant / Sens -------------------------------------------------------------------


def _montant_sens_header():
    h = HEADER[:]
    h[11], h[12] = "Montant", "Sens"
    return h


@pytest.mark.parametrize("debit,credit", [("D", "C"), ("+1", "-1"), ("d", "c")])
def test_montant_sens_variant(debit, credit):
    rows = [row(Montant="1200,00", Sens=debit), row(CompteNum="706000", CompAuxNum="", CompAuxLib="", Montant="1200,00", Sens=credit)]
    ledger = read_fec(fec(rows, header=_montant_sens_header()))
    assert ledger.alerts == []
    assert ledger.frame["debit"].tolist() == [120000, 0]
    assert ledger.frame["credit"].tolist() == [0, 120000]


def test_montant_sens_invalid_side_is_blocking():
    rows = [row(Montant="1200,00", Sens="X"), row(CompteNum="706000", Montant="1200,00", Sens="C")]
    ledger = read_fec(fec(rows, header=_montant_sens_header()))
    assert where(ledger, "FEC_SENS_INVALID") == [(2, "Sens")]



def test_montant_sens_unreadable_amount_is_not_also_zero():
    rows = [row(Montant="abc", Sens="D"), row(CompteNum="706000", Montant="0,00", Sens="C")]
    ledger = read_fec(fec(rows, header=_montant_sens_header()))
    assert where(ledger, "FEC_AMOUNT_INVALID") == [(2, "Montant")]
    assert where(ledger, "FEC_DEBIT_AND_CREDIT") == [(3, "Montant")]


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["20250231", "20251301", "18500101", "20250100", "2025013", "janvier", "20250229"])
def test_impossible_dates_are_blocking(value):
    rows = entry("VT1")
    rows[0]["PieceDate"] = value
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_DATE_INVALID") == [(2, "PieceDate")]
    assert pd.isna(ledger.frame["document_date"].iloc[0])
    assert all(a.severity is Severity.BLOCKING for a in ledger.alerts if a.code.value == "FEC_DATE_INVALID")


def test_leap_day_and_bounds_are_valid():
    rows = entry("VT1")
    rows[0]["PieceDate"], rows[1]["PieceDate"] = "20240229", "20991231"
    rows[0]["DateLet"], rows[0]["EcritureLet"] = "19000101", "AA"
    ledger = read_fec(fec(rows))
    assert "FEC_DATE_INVALID" not in codes(ledger)
    assert ledger.frame["document_date"].tolist() == [pd.Timestamp("2024-02-29"), pd.Timestamp("2099-12-31")]


@pytest.mark.parametrize("value", ["31/01/2025", "2025-01-31", "31.01.2025", "2025-01-31 00:00:00"])
def test_other_date_formats_are_read_with_a_warning(value):
    rows = entry("VT1")
    rows[0]["EcritureDate"] = value
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_DATE_FORMAT") == [(2, "EcritureDate")]
    assert ledger.frame["entry_date"].iloc[0] == pd.Timestamp("2025-01-31")


def test_missing_entry_date_is_blocking_but_missing_lettering_date_is_not():
    rows = entry("VT1")
    rows[0]["EcritureDate"] = ""
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_DATE_MISSING") == [(2, "EcritureDate")]
    assert "FEC_DATE_MISSING" not in codes(read_fec(clean()))


def test_many_distinct_dates_take_the_plain_path():
    days = pd.date_range("2025-01-01", periods=40, freq="D").strftime("%Y%m%d").tolist()
    rows = [r for i, d in enumerate(days) for r in entry(f"VT{i}", EcritureDate=d, PieceDate=d, ValidDate=d)]
    rows[5]["ValidDate"] = "20250230"
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_DATE_INVALID") == [(7, "ValidDate")]
    assert ledger.frame["entry_date"].iloc[-1] == pd.Timestamp(days[-1])


# --- amounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,cents",
    [
        ("1200,00", 120000),
        ("0001200,00", 120000),
        ("-1200,00", -120000),
        ("1200,00-", -120000),
        ("+1200,00", 120000),
        ("1200,5", 120050),
        ("1200", 120000),
        ("1200,", 120000),
        (",5", 50),
        (" 1200,00 ", 120000),
        ("-0,50", -50),
    ],
)
def test_amount_forms(text, cents):
    rows = [row(Debit=text, Credit="0,00"), row(CompteNum="706000", Debit="0,00", Credit="1,00")]
    ledger = read_fec(fec(rows))
    assert ledger.frame["debit"].iloc[0] == cents
    assert not {"FEC_AMOUNT_INVALID", "FEC_DECIMAL_POINT", "AMOUNT_ROUNDED"} & codes(ledger)


def test_empty_debit_or_credit_cell_is_zero():
    rows = entry("VT1")
    rows[0]["Credit"] = ""
    rows[1]["Debit"] = "   "
    ledger = read_fec(fec(rows))
    assert ledger.alerts == []
    assert ledger.frame["credit"].tolist() == [0, 120000]


@pytest.mark.parametrize("text", ["1234567890123456,00", "12345678901234567890123", "-99999999999999999999,5"])
def test_more_than_15_integer_digits_is_too_large(text):
    rows = entry("VT1")
    rows[0]["Debit"] = text
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_AMOUNT_TOO_LARGE") == [(2, "Debit")]
    assert not where(ledger, "FEC_AMOUNT_INVALID")
    assert ledger.frame["debit"].iloc[0] == 0


def test_decimal_point_is_read_but_blocking():
    rows = entry("VT1", amount="1200.50")
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_DECIMAL_POINT") == [(2, "Debit"), (3, "Credit")]
    assert ledger.frame["debit"].iloc[0] == 120050
    assert all(a.severity is Severity.BLOCKING for a in ledger.alerts if a.code.value == "FEC_DECIMAL_POINT")


@pytest.mark.parametrize("text", ["1 200,00", "1.200,00", "1,200,00", "12-3,00", "12a", "abc", "--5", "+5-", "1200,00 EUR"])
def test_unreadable_amounts_are_blocking(text):
    rows = entry("VT1")
    rows[0]["Debit"] = text
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_AMOUNT_INVALID") == [(2, "Debit")]
    assert ledger.frame["debit"].iloc[0] == 0


def test_more_than_two_decimals_are_rounded_half_up_with_a_warning():
    rows = [row(Debit="12,345"), row(CompteNum="706000", Debit="0,00", Credit="12,35")]
    ledger = read_fec(fec(rows))
    assert where(ledger, "AMOUNT_ROUNDED") == [(2, "Debit")]
    assert ledger.frame["debit"].iloc[0] == 1235
    assert "FEC_ENTRY_UNBALANCED" not in codes(ledger)


def test_negative_amount_is_warned():
    rows = [row(Debit="-50,00"), row(CompteNum="706000", Debit="-50,00", Credit="0,00")]
    rows[1]["Debit"], rows[1]["Credit"] = "0,00", "-50,00"
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_NEGATIVE_AMOUNT") == [(2, "Debit"), (3, "Debit")]
    assert "FEC_NEGATIVE_AMOUNT" not in codes(read_fec(clean()))


def test_debit_and_credit_both_filled_or_both_zero():
    rows = entry("VT1")
    rows[0]["Credit"] = "10,00"
    rows[1]["Credit"] = "1210,00"
    rows.append(row(EcritureNum="VT1", Debit="0,00", Credit="0,00"))
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_DEBIT_AND_CREDIT") == [(2, "Debit"), (4, "Debit")]
    assert "FEC_DEBIT_AND_CREDIT" not in codes(read_fec(clean()))



def test_unreadable_amount_is_not_also_debit_and_credit():
    rows = entry("VT1")
    rows[0]["Debit"] = "abc"  # Credit 0,00: only the unreadable amount is reported
    rows[1]["Credit"] = "xyz"
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_AMOUNT_INVALID") == [(2, "Debit"), (3, "Credit")]
    assert "FEC_DEBIT_AND_CREDIT" not in codes(ledger)
    # a readable zero pair beside still is
    rows.append(row(EcritureNum="VT1", Debit="0,00", Credit="0,00"))
    assert where(read_fec(fec(rows)), "FEC_DEBIT_AND_CREDIT") == [(4, "Debit")]


# --- broken lines ------------------------------------------------------------------------------


def test_pipe_in_a_label_is_reported_on_its_exact_line_and_not_lost():
    rows = entry("VT1") + entry("VT2")
    rows[2]["EcritureLib"] = "Facture | acompte"
    ledger = read_fec(fec(rows, sep="|"))
    assert where(ledger, "FEC_FIELD_COUNT") == [(4, None)]
    bad = [a for a in ledger.alerts if a.code.value == "FEC_FIELD_COUNT"][0]
    assert bad.severity is Severity.BLOCKING and "19" in bad.message and "Facture | acompte" in bad.message
    assert ledger.frame["source_row"].tolist() == [2, 3, 5]
    assert ledger.rejected_lines == (4,)
    assert_every_line_accounted(ledger, 4)


def test_line_with_too_few_fields():
    raw = "\t".join(list(row().values())[:12])
    ledger = read_fec(fec(entry("VT1") + [raw] + entry("VT2")))
    assert where(ledger, "FEC_FIELD_COUNT") == [(4, None)]
    assert ledger.frame["source_row"].tolist() == [2, 3, 5, 6]
    assert_every_line_accounted(ledger, 5)


def test_blank_lines_in_the_middle_are_blocking_and_at_the_end_only_warned():
    rows = entry("VT1") + ["", "   "] + entry("VT2") + ["\t" * 17]
    data = fec(rows) + b"\r\n\r\n"
    ledger = read_fec(data)
    assert where(ledger, "FEC_BLANK_LINE") == [(4, None), (5, None)]
    assert where(ledger, "FEC_TRAILING_BLANK_LINES") == [(8, None)]
    assert ledger.frame["source_row"].tolist() == [2, 3, 6, 7]
    assert_every_line_accounted(ledger, 9)


def test_every_line_is_in_the_ledger_or_in_an_alert_on_a_messy_file():
    rows: list = []
    for i in range(30):
        rows += entry(f"VT{i}")
    rows[3] = "\t".join(["x"] * 19)
    rows[10] = ""
    rows[17]["EcritureLib"] = "a\tb"
    rows[20] = "VT\tVentes"
    rows[25]["Debit"] = "douze"
    ledger = read_fec(fec(rows))
    assert ledger.rejected_lines == (5, 12, 19, 22)
    assert_every_line_accounted(ledger, 60)
    assert where(ledger, "FEC_AMOUNT_INVALID") == [(27, "Debit")]


def test_alerts_are_capped_with_a_summary_that_keeps_the_severity():
    n = MAX_ALERTS_PER_CODE + 250
    rows = [row(EcritureNum=f"E{i}", PieceDate="20251332", Debit="0,00", Credit="0,00") for i in range(n)]
    ledger = read_fec(fec(rows))
    invalid = [a for a in ledger.alerts if a.code.value == "FEC_DATE_INVALID"]
    assert len(invalid) == MAX_ALERTS_PER_CODE
    more = [a for a in ledger.alerts if a.code.value == "FEC_MORE_ALERTS" and "FEC_DATE_INVALID" in a.message]
    assert len(more) == 1 and more[0].severity is Severity.BLOCKING and "250" in more[0].message
    assert more[0].row == MAX_ALERTS_PER_CODE + 2
    assert "FEC_MORE_ALERTS" not in codes(read_fec(clean()))


def test_many_broken_lines_are_capped_too():
    n = MAX_ALERTS_PER_CODE + 5
    ledger = read_fec(fec(entry("VT1") + ["x\ty"] * n))
    assert len(where(ledger, "FEC_FIELD_COUNT")) == MAX_ALERTS_PER_CODE
    assert len(ledger.rejected_lines) == n
    assert_every_line_accounted(ledger, n + 2)


# --- row checks of Test Compta Demat -----------------------------------------------------------


def test_account_format_and_missing_account():
    rows = entry("VT1")
    rows[0]["CompteNum"] = "C0012"
    rows.append(row(EcritureNum="VT2", CompteNum="", Debit="1,00"))
    rows.append(row(EcritureNum="VT2", CompteNum="411DUPONT", Debit="0,00", Credit="1,00"))
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_ACCOUNT_FORMAT") == [(2, "CompteNum")]
    assert where(ledger, "FEC_ACCOUNT_MISSING") == [(4, "CompteNum")]


def test_missing_data_report():
    rows = entry("VT1")
    rows[1]["PieceRef"] = ""
    rows[0]["ValidDate"] = ""
    ledger = read_fec(fec(rows))
    assert sorted(where(ledger, "FEC_MISSING_DATA")) == [(2, "ValidDate"), (3, "PieceRef")]
    assert "FEC_MISSING_DATA" not in codes(read_fec(clean()))


def test_lettering_code_and_date_go_together():
    rows = entry("VT1") + entry("VT2")
    rows[0]["EcritureLet"], rows[0]["DateLet"] = "AA", "20250228"
    rows[2]["EcritureLet"] = "AB"
    rows[3]["DateLet"] = "20250228"
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_LETTERING_DATE_MISSING") == [(4, "DateLet")]
    assert where(ledger, "FEC_LETTERING_CODE_MISSING") == [(5, "EcritureLet")]
    assert ledger.frame["lettering_code"].tolist() == ["AA", "", "AB", ""]


def test_foreign_amount_without_currency():
    rows = entry("VT1")
    rows[0]["Montantdevise"] = "1300,00"
    rows[1]["Idevise"] = "EUR"
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_CURRENCY_INCOMPLETE") == [(2, "Idevise")]


# --- balance --------------------------------------------------------------------------------------


def test_unbalanced_entry_is_blocking_on_its_first_line():
    rows = entry("VT1") + entry("VT2") + entry("VT3")
    rows[3]["Credit"] = "1100,00"
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_ENTRY_UNBALANCED") == [(4, "EcritureNum")]
    assert "FEC_TOTAL_UNBALANCED" in codes(ledger)
    assert [a.severity for a in ledger.alerts if a.code.value == "FEC_ENTRY_UNBALANCED"] == [Severity.BLOCKING]


def test_entry_split_in_two_places_balances_as_a_whole():
    a, b = entry("VT1"), entry("VT2")
    ledger = read_fec(fec([a[0], b[0], b[1], a[1]]))
    assert ledger.alerts == []


def test_same_number_in_two_journals_is_two_entries():
    rows = entry("1", JournalCode="VT") + entry("1", JournalCode="AC", amount="10,00")
    rows[3]["Credit"] = "11,00"
    ledger = read_fec(fec(rows))
    bad = [a for a in ledger.alerts if a.code.value == "FEC_ENTRY_UNBALANCED"]
    assert [(a.row, "AC" in a.message) for a in bad] == [(4, True)]


def test_total_unbalanced_without_entry_alert_is_impossible_but_total_is_checked():
    rows = entry("VT1")
    rows[1]["Credit"] = "1000,00"
    ledger = read_fec(fec(rows))
    assert "FEC_TOTAL_UNBALANCED" in codes(ledger)
    assert "FEC_TOTAL_UNBALANCED" not in codes(read_fec(clean()))


# --- file name --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["552100554FEC20251231.txt", "552100554FEC20251231", "dossier/552100554fec20251231.TXT"])
def test_good_file_names(name):
    assert "FEC_FILENAME" not in codes(read_fec(clean(), filename=name))


@pytest.mark.parametrize("name", ["FEC2025.txt", "552100555FEC20251231.txt", "552100554FEC20251331.txt", "552100554FEC20251231.csv", "55210055FEC20251231.txt"])
def test_bad_file_names(name):
    ledger = read_fec(clean(), filename=name)
    assert where(ledger, "FEC_FILENAME") == [(None, None)]


def test_entry_after_the_closing_date_in_the_file_name():
    rows = entry("VT1") + entry("VT2", EcritureDate="20260105")
    ledger = read_fec(fec(rows), filename="552100554FEC20251231.txt")
    assert where(ledger, "FEC_DATE_AFTER_CLOSING") == [(4, "EcritureDate"), (5, "EcritureDate")]
    assert "FEC_DATE_AFTER_CLOSING" not in codes(read_fec(fec(rows)))


# --- every code has an example -------------------------------------------------------------------------


def test_alerts_are_sorted_by_line():
    rows = entry("VT1") + entry("VT2")
    rows[3]["Debit"] = "x"
    rows[0]["PieceDate"] = "2025"
    ledger = read_fec(fec(rows))
    lines = [a.row or 0 for a in ledger.alerts]
    assert lines == sorted(lines)


def test_empty_debit_column_everywhere():
    rows = [row(Debit="", Credit="5,00"), row(CompteNum="706000", Debit="", Credit="-5,00")]
    ledger = read_fec(fec(rows))
    assert ledger.frame["debit"].tolist() == [0, 0]
    assert ledger.frame["credit"].tolist() == [500, -500]


def test_threaded_conversion_gives_the_same_ledger_and_alerts(monkeypatch):
    import reglo.core.fec as fec_module

    rows = [r for i in range(50) for r in entry(f"VT{i}")]
    rows[3]["Debit"], rows[8]["PieceDate"], rows[9]["CompteNum"], rows[20]["Credit"] = "1.5", "20250230", "X1", " 12,5 "
    data = fec(rows + [row(EcritureNum="Z", PieceRef="")])
    sequential = read_fec(data)
    monkeypatch.setattr(fec_module, "PARALLEL_ROWS", 0)
    threaded = read_fec(data)
    pd.testing.assert_frame_equal(sequential.frame, threaded.frame)
    assert sequential.alerts == threaded.alerts and len(sequential.alerts) > 5


@pytest.mark.parametrize("header_sep,line_sep", [(False, True), (True, True), (True, False)])
def test_one_separator_too_many_at_line_ends_is_tolerated_with_one_warning(header_sep, line_sep):
    head = "\t".join(HEADER) + ("\t" if header_sep else "")
    body = ["\t".join(r[n] for n in HEADER) + ("\t" if line_sep else "") for r in entry("VT1") + entry("VT2")]
    ledger = read_fec(("\r\n".join([head] + body) + "\r\n").encode())
    assert [a.code.value for a in ledger.alerts] == ["FEC_TRAILING_SEPARATOR"]
    assert ledger.frame["credit"].tolist() == [0, 120000, 0, 120000]
    assert ledger.extra_fields == ()


def test_lines_with_a_real_extra_field_are_not_taken_for_a_trailing_separator():
    body = ["\t".join(r[n] for n in HEADER) + "\tX" for r in entry("VT1")]
    ledger = read_fec(("\r\n".join(["\t".join(HEADER)] + body) + "\r\n").encode())
    assert sorted(a.code.value for a in ledger.alerts) == ["FEC_FIELD_COUNT", "FEC_FIELD_COUNT", "FEC_NO_ENTRIES"]


def test_latin_text_with_guillemets_is_not_taken_for_mixed_encoding():
    rows = entry("VT1", EcritureLib="Livré« chantier »n°12 à€", CompAuxLib="Œuvre’s")
    ledger = read_fec(fec(rows, encoding="cp1252"))
    assert ledger.alerts == [] and ledger.encoding == "cp1252"
    assert ledger.frame["label"].iloc[0] == "Livré« chantier »n°12 à€"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LINE_KINDS = st.sampled_from(["good", "good", "good", "extra", "missing", "blank", "spaces", "separators"])


@settings(max_examples=60, deadline=None)
@given(kinds=st.lists(_LINE_KINDS, min_size=1, max_size=25), sep=st.sampled_from(["\t", "|"]), eol=st.sampled_from(["\r\n", "\n"]), final=st.booleans())
def test_property_every_line_is_in_the_ledger_or_named(kinds, sep, eol, final):
    good = "\t".join(row().values()).replace("\t", sep)
    make = {
        "good": good,
        "extra": good.replace("Facture", f"Fac{sep}ture", 1),
        "missing": sep.join(good.split(sep)[:7]),
        "blank": "",
        "spaces": "   ",
        "separators": sep * 17,
    }
    ledger = read_fec(fec([make[k] for k in kinds], sep=sep, eol=eol, final_eol=final))
    n = len(kinds)
    if not final and kinds[-1] == "blank":
        n -= 1  # an empty last line without line end does not exist
    assert_every_line_accounted(ledger, n)
    expected_rows = [i + 2 for i, k in enumerate(kinds) if k == "good"]
    assert ledger.frame["source_row"].tolist() == expected_rows
    bad = {a.row for a in ledger.alerts if a.code.value == "FEC_FIELD_COUNT"}
    assert bad == {i + 2 for i, k in enumerate(kinds) if k in ("extra", "missing")}


def test_one_date_per_entry():
    rows = entry("VT1") + entry("VT2")
    rows[1]["EcritureDate"] = "20250201"
    rows[2]["EcritureDate"] = "20250301"  # another entry: its own date
    rows[3]["EcritureDate"] = "20250301"
    ledger = read_fec(fec(rows))
    assert where(ledger, "FEC_ENTRY_DATES") == [(3, "EcritureDate")]
    assert "31/01/2025" in ledger.alerts[0].message and "01/02/2025" in ledger.alerts[0].message
    assert "FEC_ENTRY_DATES" not in codes(read_fec(clean()))
