"""Property tests: balanced entries written in any supported layout are read back identical;
lines read = accepted + rejected, whatever is broken in the file."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reglo.core.entry_import import (
    AccountLayout,
    AccountRange,
    AccountTypeMode,
    AmountMode,
    CounterMode,
    ImportDefinition,
    RawRows,
    import_entries,
)
from reglo.core.entry_import.layout import RenderStyle, render_rows
from reglo.core.fec import write_fec, write_fec_table
from reglo.core.models import Entry, EntryLine
from tests.core.fec_reference import reference_fec

CENTS = st.integers(min_value=1, max_value=2_000_000_00)
TEXT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZéèà0123456789 -'", min_size=1, max_size=20).map(str.strip).filter(bool)


def _m(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _line(account: str, cents: int, sub: str = "", label: str = "") -> EntryLine:
    return EntryLine(ledger_account=account, subledger_account=sub, label=label, debit=_m(cents) if cents > 0 else Decimal("0.00"), credit=_m(-cents) if cents < 0 else Decimal("0.00"))


@st.composite
def entries(draw, n_max: int = 8) -> tuple[list[Entry], list[str]]:
    n = draw(st.integers(min_value=1, max_value=n_max))
    out, companies = [], []
    day0 = date(2025, 1, 1)
    for k in range(n):
        journal = draw(st.sampled_from(["VT", "AC", "BQ1", "OD"]))
        when = day0 + timedelta(days=draw(st.integers(0, 364)))
        label = draw(TEXT)
        sign = draw(st.sampled_from([1, 1, 1, -1]))  # some credit notes
        if journal == "VT":
            ht, vat = draw(CENTS), draw(st.integers(0, 40_000_00))
            sub = str(draw(st.integers(10000, 19999)))
            lines = [_line("411000", sign * (ht + vat), sub, label), _line(draw(st.sampled_from(["706000", "707000", "708500"])), -sign * ht, "", label)]
            if vat:
                lines.append(_line("445710", -sign * vat, "", label))
        elif journal == "AC":
            ht, vat = draw(CENTS), draw(st.integers(0, 40_000_00))
            sub = str(draw(st.integers(20000, 29999)))
            lines = [_line("401000", -sign * (ht + vat), sub, label), _line(draw(st.sampled_from(["606100", "613200", "626000"])), sign * ht, "", label)]
            if vat:
                lines.append(_line("445660", sign * vat, "", label))
        else:
            amounts = draw(st.lists(st.integers(-1_000_000_00, 1_000_000_00).filter(bool), min_size=1, max_size=3))
            total = sum(amounts)
            if total == 0:
                amounts.append(draw(CENTS))
                total = sum(amounts)
            accounts = draw(st.lists(st.sampled_from(["512000", "421000", "431000", "627000", "580000"]), min_size=len(amounts), max_size=len(amounts)))
            lines = [_line(a, c, "", label) for a, c in zip(accounts, amounts)]
            if draw(st.booleans()):
                sub = str(draw(st.integers(10000, 19999)))
                lines.append(_line("411000", -total, sub, label))
            else:
                lines.append(_line("512000", -total, "", label))
        out.append(Entry(journal_code=journal, entry_number=f"{journal}{k + 1:05d}", entry_date=when, document_ref=f"P{k + 1}", label=label, lines=tuple(lines)))
        companies.append(draw(st.sampled_from(["", "ALPHA", "BETA"])))
    return out, companies


@st.composite
def definitions(draw) -> tuple[ImportDefinition, RenderStyle]:
    layout = draw(st.sampled_from(list(AccountLayout)))
    type_mode = draw(st.sampled_from(list(AccountTypeMode)))
    amount_mode = draw(st.sampled_from(list(AmountMode)))
    decimal = draw(st.sampled_from([",", "."]))
    thousands = draw(st.sampled_from([t for t in ("", " ", ".", ",", "'") if t != decimal]))
    counter = draw(st.sampled_from([CounterMode.NONE, CounterMode.COLUMN]))
    kw = dict(
        company_column="Société",
        journal_column="Journal",
        date_column="Date",
        entry_number_column=draw(st.sampled_from(["N° écriture", ""])),
        document_ref_column="Pièce",
        label_column="Libellé",
        account_layout=layout,
        account_type_mode=type_mode,
        account_column="Compte",
        third_party_column="Tiers",
        customer_column="Client",
        supplier_column="Fournisseur",
        account_type_column="Type",
        general_ranges=(AccountRange(start=100000, end=899999),),
        customer_ranges=(AccountRange(start=10000, end=19999),),
        supplier_ranges=(AccountRange(start=20000, end=29999),),
        amount_mode=amount_mode,
        amount_column="Montant",
        sign_column="Sens",
        debit_symbol=draw(st.sampled_from(["D", "+", "DB"])),
        credit_symbol=draw(st.sampled_from(["C", "-", "CR"])),
        debit_column="Débit",
        credit_column="Crédit",
        decimal_separator=decimal,
        thousands_separator=thousands,
        vat_on_line=draw(st.booleans()),
        vat_column="TVA",
        counter_mode=counter,
        counter_account_column="Contrepartie",
        date_format=draw(st.sampled_from(["auto", "jj/mm/aaaa", "aaaa-mm-jj", "aaaammjj"])),
    )
    style = RenderStyle(minus_after=draw(st.booleans()), plus_for_debit=draw(st.booleans()))
    return ImportDefinition(**kw), style


def _essence(e: Entry, with_number: bool, *, source: bool = True) -> tuple:
    """What an entry must keep through the import. The import numbers entries itself (one
    EcritureNum per rebuilt entry); the source number is kept in PieceRef when it is empty,
    else at the end of EcritureLib (« (n° …) ») when it differs."""
    import re

    number = e.entry_number if with_number else ""
    if source:
        ref = e.document_ref or number
        labels = [l.label for l in e.lines]
    else:
        ref = e.document_ref
        labels = [re.sub(r" \(n° [^)]*\)$", "", l.label) for l in e.lines]
    return (
        e.journal_code,
        e.entry_date,
        ref,
        tuple((l.ledger_account, l.subledger_account, l.debit, l.credit, label) for l, label in zip(e.lines, labels)),
    )


def _raw(headers, rows) -> RawRows:
    return RawRows.from_records(headers, rows, sheet="import.csv")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(), definitions())
def test_any_layout_reads_back_identical(data, definition):
    ents, companies = data
    d, style = definition
    headers, rows = render_rows(ents, d, companies=companies, style=style)
    result = import_entries(_raw(headers, rows), d)
    assert result.usable, result.alerts
    assert [a for a in result.alerts if a.is_blocking] == []
    s = result.summary
    assert s.lines_read == len(rows) == s.lines_accepted + s.lines_rejected
    assert s.lines_rejected == 0
    with_number = bool(d.entry_number_column)
    got = []
    for company in dict.fromkeys(companies):
        got += [(company, _essence(e, with_number, source=False)) for e in result.entries(company)]
    expected = [(c, _essence(e, with_number)) for c, e in zip(companies, ents)]
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    # per company, the order of the file is kept; the FEC of the pyarrow lines equals the one
    # of the ledger frame and the line-by-line reference
    for company in dict.fromkeys(companies):
        assert [g for c, g in got if c == company] == [x for c, x in expected if c == company]
        frame = result.frame(company)
        assert write_fec_table(result.company_table(company)) == write_fec(frame) == reference_fec(frame)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(n_max=10), definitions(), st.data())
def test_lines_read_equal_accepted_plus_rejected(data, definition, draw):
    ents, companies = data
    d, style = definition
    headers, rows = render_rows(ents, d, companies=companies, style=style)
    # break some cells: an unreadable amount, a date, an account, or an amount changed
    broken = draw.draw(st.lists(st.integers(0, len(rows) - 1), max_size=3, unique=True))
    for i in broken:
        how = draw.draw(st.sampled_from(["date", "amount", "account"]))
        if how == "account":  # no account at all on the row
            for col in ("Compte", "Tiers", "Client", "Fournisseur"):
                if col in headers:
                    rows[i][headers.index(col)] = ""
            continue
        col = {"date": "Date", "amount": "Montant" if d.amount_mode is not AmountMode.DEBIT_CREDIT else "Débit"}[how]
        rows[i][headers.index(col)] = {"date": "31/02/2025", "amount": "12x"}[how]
    result = import_entries(_raw(headers, rows), d)
    s = result.summary
    assert s.lines_read == len(rows) == s.lines_accepted + s.lines_rejected
    assert len(result.rejected) == s.lines_rejected == len(result.reasons)
    assert list(result.rejected) == sorted(result.rejected)  # original order
    assert set(broken) <= set(int(i) for i in result.rejected)
    assert sum(j.lines_read for j in s.by_journal) == s.lines_read
    # every accepted entry balances, under its own EcritureNum
    for e in result.entries():
        assert e.is_balanced
    t = result.table
    keys = set(zip(t["company"].to_pylist(), t["journal_code"].to_pylist(), t["entry_number"].to_pylist()))
    assert len(keys) == s.entries_accepted
    # every source row exactly once: in an accepted entry or in the rejects, with its reason
    accepted = set(int(r) for r in t["source_row"].to_pylist())
    rejected = [int(result.source_rows[p]) for p in result.rejected]
    assert len(rejected) == len(set(rejected)) and not accepted & set(rejected)
    assert accepted | set(rejected) == set(int(r) for r in result.source_rows)
    assert all(result.reasons)
