"""The « Lettrage » ribbon group (remote engine and files), the proposals sheet, the run
journal, the ``reglo letter`` command and the demo step."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from reglo.addin.entrypoints.cli import main
from reglo.addin.entrypoints.handlers import HANDLERS, load_all
from reglo.addin.entrypoints.handlers.lettering import lettering_apply, lettering_propose, lettering_undo
from reglo.addin.shell.lettering import COL, PARAMS_SHEET, SHEET, UNDO_ACCOUNT_LABEL, UNDO_CODE_LABEL, journal_path, load_runs
from reglo.addin.backends.sheets import YELLOW, FileWorkbook
from reglo.core.fec import read_fec, write_fec
from tests.conftest import make_book
from tests.core.lettering_fixtures import ledger

H = "| row | account | aux | date | ref | label | debit | credit | let | due |"
TABLE = f"""{H}
| 2 | 411000 | C001 | 2025-01-10 | FA25-0012 | Facture FA25-0012 | 1200,00 | | | 2025-02-10 |
| 3 | 706000 | | 2025-01-10 | FA25-0012 | Facture FA25-0012 | | 1200,00 | | |
| 4 | 411000 | C001 | 2025-02-15 | RLV-02 | VIR DUPONT FACT FA25-0012 | | 1200,00 | | |
| 5 | 512000 | | 2025-02-15 | RLV-02 | VIR DUPONT FACT FA25-0012 | 1200,00 | | | |
| 6 | 411000 | C002 | 2025-03-01 | FA10 | Facture FA10 | 150,00 | | | 2025-03-31 |
| 7 | 411000 | C002 | 2025-03-01 | FA11 | Facture FA11 | 150,00 | | | 2025-03-31 |
| 8 | 706000 | | 2025-03-01 | FA10 | Factures | | 300,00 | | |
| 9 | 411000 | C002 | 2025-03-31 | CHQ | Chèque | | 150,00 | | |
| 10 | 512000 | | 2025-03-31 | CHQ | Chèque | 150,00 | | | |
| 11 | 401000 | F001 | 2025-01-05 | A-77 | Facture A-77 | | 480,00 | | 2025-02-28 |
| 12 | 607000 | | 2025-01-05 | A-77 | Facture A-77 | 480,00 | | | |
| 13 | 401000 | F001 | 2025-02-28 | SCT | VIR SEPA | 480,00 | | | |
| 14 | 512000 | | 2025-02-28 | SCT | VIR SEPA | | 480,00 | | |
| 15 | 401000 | F002 | 2025-01-05 | B-1 | Facture B-1 | | 99,60 | | 2025-02-28 |
| 16 | 607000 | | 2025-01-05 | B-1 | Facture B-1 | 99,60 | | | |
| 17 | 401000 | F002 | 2025-02-28 | SCT | VIR SEPA B-1 | 100,00 | | | |
| 18 | 512000 | | 2025-02-28 | SCT | VIR SEPA B-1 | | 100,00 | | |
"""
NOW = datetime(2026, 1, 15, 9, 30)


@pytest.fixture
def fec(tmp_path) -> Path:
    path = tmp_path / "552100554FEC20251231.txt"
    path.write_bytes(write_fec(ledger(TABLE)))
    return path


def letters(path: Path) -> dict[int, str]:
    f = read_fec(path.read_bytes(), path.name).frame
    return {int(r): c for r, c in zip(f["source_row"], f["lettering_code"]) if c}


def sheet_rows(book: FileWorkbook) -> list[list]:
    values = book.read_values(SHEET)
    head = next(i for i, v in enumerate(values) if v and v[0] == "Groupe")
    return values[head:]


def test_handlers_are_registered_in_the_group():
    load_all()
    tags = {t: h for t, h in HANDLERS.items() if h.group == "Lettrage"}
    assert [tags[t].label for t in sorted(tags, key=lambda t: tags[t].order)] == ["Proposer le lettrage", "Appliquer le lettrage", "Délettrer"]


def _set_choice(book: FileWorkbook, group: int, value: str) -> None:
    values = book.read_values(SHEET)
    cells = {}
    for i, v in enumerate(values, start=1):
        if v and v[0] == group:
            cells[(i, COL["Appliquer"])] = value
    book.write_cells(SHEET, cells)


def test_propose_apply_undo_on_files(tmp_path, fec):
    original = fec.read_bytes()
    book = FileWorkbook(tmp_path / "lettrage.xlsx", create=True)
    result = lettering_propose(book, fec=fec, options=None)
    assert "lettrage(s) proposé(s)" in result.summary
    rows = sheet_rows(book)
    header, data = rows[0], rows[1:]
    assert header[:7] == ["Groupe", "Compte", "Code", "Appliquer", "Règle", "Confiance", "Ligne FEC"]
    groups = {}
    for r in data:
        groups.setdefault(r[0], []).append(r)
    ambiguous = [g for g, rs in groups.items() if "ambigu" in rs[0][4]]
    assert len(ambiguous) == 1 and groups[ambiguous[0]][0][3] == "Non"
    # colours: ambiguous in yellow with the alternatives in the note; others in their group colour
    values = book.read_values(SHEET)
    first_amb = next(i for i, v in enumerate(values, start=1) if v and v[0] == ambiguous[0])
    assert book.get_fill(SHEET, first_amb, 1).upper().endswith(YELLOW[1:].upper())
    assert "Autres possibilités" in book.get_note(SHEET, first_amb, COL["Appliquer"])
    first_ok = next(i for i, v in enumerate(values, start=1) if v and v[0] == 1)
    assert book.get_fill(SHEET, first_ok, 1) and not book.get_fill(SHEET, first_ok, 1).upper().endswith(YELLOW[1:].upper())
    assert PARAMS_SHEET in book.sheet_names()
    # the write-off of F002 (0,40 €) is only proposed with a tolerance: here none, so F002 stays open
    assert not any(r[1] == "F002" for r in data)
    # the user refuses the supplier group
    supplier = next(g for g, rs in groups.items() if rs[0][1] == "F001")
    _set_choice(book, supplier, "Non")
    res = lettering_apply(book, fec=fec, now=NOW)
    assert res.exit_code == 0 and "2 refusé(s)" in res.summary  # the supplier group and the ambiguous one (« Non » by default)
    got = letters(fec)
    assert got == {2: "AA", 4: "AA"}
    assert journal_path(fec).exists() and load_runs(fec)[0].run_id == "20260115-093000"
    states = [r[COL["État"] - 1] for r in sheet_rows(book)[1:]]
    assert any(s.startswith("lettré AA") for s in states) and "refusé" in states
    undo = lettering_undo(book, fec=fec)
    assert "1 lettrage(s) défait(s)" in undo.summary
    assert fec.read_bytes() == original and load_runs(fec) == []


def test_accepting_an_ambiguous_group_and_invalid_choice(tmp_path, fec):
    book = FileWorkbook(tmp_path / "lettrage.xlsx", create=True)
    lettering_propose(book, fec=fec)
    data = sheet_rows(book)[1:]
    amb = next(r[0] for r in data if "ambigu" in r[4])
    sup = next(r[0] for r in data if r[1] == "F001")
    _set_choice(book, amb, "oui")
    _set_choice(book, sup, "peut-être")
    res = lettering_apply(book, fec=fec, now=NOW)
    assert ("LET_CHOICE_INVALID", "Appliquer") in {(a.code.value, a.column) for a in res.alerts}
    got = letters(fec)
    assert 6 in got and 9 in got and got[6] == got[9]  # the ambiguous pair the user accepted
    assert 11 not in got and 13 not in got  # invalid choice: not applied


def test_valid_choices_raise_no_alert(tmp_path, fec):
    book = FileWorkbook(tmp_path / "lettrage.xlsx", create=True)
    lettering_propose(book, fec=fec)
    res = lettering_apply(book, fec=fec, now=NOW)
    assert "LET_CHOICE_INVALID" not in {a.code.value for a in res.alerts}


def test_apply_without_proposals_sheet_is_a_user_error(tmp_path, fec):
    from reglo.addin.shell.errors import UserError

    book = FileWorkbook(tmp_path / "vide.xlsx", create=True)
    with pytest.raises(UserError):
        lettering_apply(book, fec=fec, now=NOW)


def _iso(v):
    if isinstance(v, (datetime, date)):
        return (v if isinstance(v, datetime) else datetime(v.year, v.month, v.day)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return "" if v is None else v


def test_propose_and_apply_on_remote_engine(tmp_path, fec):
    book = make_book({"Feuil1": [[""]]})
    result = lettering_propose(book, fec=fec)
    assert "lettrage(s) proposé(s)" in result.summary
    actions = book.json()["actions"]
    assert any(a["func"] == "addSheet" for a in actions)
    assert any(a["func"] == "setRangeColor" and a["args"][0] == YELLOW for a in actions)
    assert any(a["func"] == "addNote" and "Autres possibilités" in a["args"][1] for a in actions)
    # the same sheet, as Excel would hand it back to « Appliquer »
    fb = FileWorkbook(tmp_path / "p.xlsx", create=True)
    lettering_propose(fb, fec=fec)
    sheets = {name: [[_iso(v) for v in row] for row in fb.read_values(name)] for name in (SHEET, PARAMS_SHEET)}
    remote = make_book(sheets)
    res = lettering_apply(remote, fec=fec, now=NOW)
    assert "2 lettrage(s) appliqué(s)" in res.summary
    assert letters(fec) == {2: "AA", 4: "AA", 11: "AA", 13: "AA"}
    writes = [a for a in remote.json()["actions"] if a["func"] == "setValues"]
    assert writes and any("lettré AA" in str(a["values"]) for a in writes)


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def test_cli_propose_apply_undo(fec, capsys, tmp_path):
    original = fec.read_bytes()
    assert main(["letter", str(fec)]) == 0
    out = capsys.readouterr().out
    assert "lettrage(s) proposé(s)" in out and "--apply" in out
    assert fec.read_bytes() == original  # proposals only
    assert main(["letter", str(fec), "--apply", "--tolerance", "1,00", "--lettered-on", "2025-12-31"]) == 0
    got = letters(fec)
    assert got[2] == got[4] == "AA" and got[15] == got[17] and 6 not in got  # ambiguous pair left open
    f = read_fec(fec.read_bytes(), fec.name).frame
    assert (f["ledger_account"] == "658000").sum() == 1  # the 0,40 € write-off: we paid the supplier more than the invoice (a charge)
    assert main(["letter", str(fec), "--undo", "AA", "--account", "C001"]) == 0
    assert 2 not in letters(fec)
    assert main(["letter", str(fec), "--undo-last"]) == 0
    assert fec.read_bytes() == original


def test_cli_now_dates_the_run_in_the_journal(fec, capsys):
    """``--now``: the run's number and its date in the lettering journal, as for the other
    commands (a run dated after the fact, a demo); unreadable, a French message and no change."""
    original = fec.read_bytes()
    assert main(["letter", str(fec), "--apply", "--now", "2026-01-15T09:30:00"]) == 0
    (run,) = load_runs(fec)
    assert run.run_id == "20260115-093000" and run.created_at == "2026-01-15T09:30:00"
    assert main(["letter", str(fec), "--undo-last"]) == 0
    assert fec.read_bytes() == original
    capsys.readouterr()
    assert main(["letter", str(fec), "--apply", "--now", "15/01/2026"]) != 0
    err = capsys.readouterr()
    assert "--now « 15/01/2026 » illisible : AAAA-MM-JJTHH:MM:SS attendu." in err.out + err.err
    assert fec.read_bytes() == original


def test_cli_xlsx_round_trip(fec, tmp_path, capsys):
    xlsx = tmp_path / "props.xlsx"
    assert main(["letter", str(fec), "--xlsx", str(xlsx)]) == 0
    assert xlsx.exists()
    assert main(["letter", str(fec), "--from-xlsx", str(xlsx)]) == 0
    assert letters(fec) == {2: "AA", 4: "AA", 11: "AA", 13: "AA"}
    run_id = load_runs(fec)[0].run_id
    assert main(["letter", str(fec), "--undo-run", run_id]) == 0
    assert letters(fec) == {}


def test_cli_evaluate(tmp_path, capsys):
    path = tmp_path / "552100554FEC20251231.txt"
    frame = ledger(TABLE)
    frame.loc[frame["source_row"].isin([2, 4]), "lettering_code"] = "AA"
    frame.loc[frame["source_row"].isin([2, 4]), "lettered_on"] = frame["entry_date"].max()
    path.write_bytes(write_fec(frame))
    assert main(["letter", str(path), "--evaluate"]) == 0
    out = capsys.readouterr().out
    assert "groupes entiers retrouvés : 1/1" in out and "rappel 100,0 %" in out


@pytest.mark.parametrize("args", [["--roots", "41x"], ["--tolerance", "abc"], ["--k", "0"], ["--lettered-on", "31/12/2025", "--apply"]])
def test_cli_bad_options_exit_2(fec, args, capsys):
    assert main(["letter", str(fec), *args]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_missing_or_broken_fec_exit_2(tmp_path, capsys):
    assert main(["letter", str(tmp_path / "absent.txt")]) == 2
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01 not a fec")
    assert main(["letter", str(bad)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_undo_nothing(fec, capsys):
    assert main(["letter", str(fec), "--undo", "QQ"]) == 0
    assert "Rien n'a été délettré" in capsys.readouterr().out


def test_demo_step(tmp_path):
    from reglo.addin.entrypoints.demo_steps import DemoContext
    from reglo.addin.entrypoints.demo_steps import s30_lettering as step
    from reglo.addin.shell.dossier import write_dossier
    from reglo.core.demo import generate_demo

    demo = generate_demo()
    paths = write_dossier(tmp_path, demo.dossier, demo.ledger_frame)
    ctx = DemoContext(out_dir=tmp_path, fec_path=paths["fec"], data={"demo": demo})
    lines = step.run(ctx)
    assert "rappel" in lines[0] and (tmp_path / step.WORKBOOK).exists()
    ev = ctx.data["lettering_evaluation"]
    assert ev.group_recall >= 0.95 and ev.unique_exact_wrong == 0


def test_cli_refuses_to_rewrite_a_fec_with_unreadable_lines(fec, capsys):
    data = fec.read_bytes() + b"BQ\tBanque\tBQ9\t20250301\tligne coupee\r\n"
    fec.write_bytes(data)
    assert main(["letter", str(fec), "--apply"]) == 1
    assert fec.read_bytes() == data  # nothing lost, nothing written
    out = capsys.readouterr().out
    assert "FEC_REWRITE_UNREADABLE" in out and "(lignes 19)" in out
    assert main(["letter", str(fec)]) in (0, 1)  # proposals stay available


def test_next_proposal_reuses_the_edited_parameters(tmp_path, fec):
    book = FileWorkbook(tmp_path / "lettrage.xlsx", create=True)
    lettering_propose(book, fec=fec)
    assert not any(r[1] == "F002" for r in sheet_rows(book)[1:])
    values = book.read_values(PARAMS_SHEET)
    i = next(i for i, v in enumerate(values, start=1) if v and v[0] == "tolerance")
    book.write_cells(PARAMS_SHEET, {(i, 2): "1,00"})  # the accountant allows a 1 € difference
    lettering_propose(book)
    assert any(r[1] == "F002" and "Écart" in r[4] for r in sheet_rows(book)[1:])


# ---------------------------------------------------------------------------
# dropdown on « Appliquer », readable preamble, « Délettrer » by code / account from the sheet
# ---------------------------------------------------------------------------


def _label_row(book, label: str) -> int:
    return next(i for i, v in enumerate(book.read_values(SHEET), start=1) if v and v[0] == label)


def test_appliquer_has_a_yes_no_dropdown_on_every_proposal_row(tmp_path, fec):
    from openpyxl import load_workbook

    path = tmp_path / "p.xlsx"
    book = FileWorkbook(path, create=True)
    header_row = lettering_propose(book, fec=fec) and _label_row(book, "Groupe")
    n = len(sheet_rows(book)) - 1
    book.save()
    ws = load_workbook(path)[SHEET]
    (dv,) = ws.data_validations.dataValidation
    col = "ABCDEFGHIJKLMNOP"[COL["Appliquer"] - 1]
    assert str(dv.sqref) == f"{col}{header_row + 1}:{col}{header_row + n}"
    assert dv.type == "list" and dv.formula1 == '"Oui,Non"' and dv.showErrorMessage
    # preamble labels fit in column A (the « Groupe » column is wide enough), long values are short lines
    width = ws.column_dimensions["A"].width
    labels = [ws.cell(r, 1).value for r in range(3, header_row - 1)]
    assert UNDO_CODE_LABEL in labels and UNDO_ACCOUNT_LABEL in labels
    assert all(len(label) <= width for label in labels)
    assert all(len(str(ws.cell(r, 2).value or "")) <= 140 for r in range(3, header_row - 1))


def test_dropdown_on_remote_engine(fec):
    book = make_book({"Feuil1": [[""]]})
    lettering_propose(book, fec=fec)
    (act,) = [a for a in book.json()["actions"] if a["func"] == "setDataValidationList"]
    assert act["args"][0] == {"type": "literal", "values": ["Oui", "Non"]}
    assert act["start_column"] == COL["Appliquer"] - 1 and act["row_count"] >= 5


def _applied(tmp_path, fec) -> FileWorkbook:
    book = FileWorkbook(tmp_path / "p.xlsx", create=True)
    lettering_propose(book, fec=fec)
    lettering_apply(book, fec=fec, now=NOW)
    assert letters(fec) == {2: "AA", 4: "AA", 11: "AA", 13: "AA"}
    return book


def test_undo_code_within_account_typed_in_the_sheet(tmp_path, fec):
    book = _applied(tmp_path, fec)
    code_row, account_row = _label_row(book, UNDO_CODE_LABEL), _label_row(book, UNDO_ACCOUNT_LABEL)
    book.write_cells(SHEET, {(code_row, 2): "AA", (account_row, 2): "F001"})
    res = lettering_undo(book, fec=fec)
    assert res.exit_code == 0 and "1 lettrage(s) défait(s)" in res.summary and "code AA compte F001" in res.summary
    assert letters(fec) == {2: "AA", 4: "AA"}  # C001 keeps its letter
    values = book.read_values(SHEET)
    assert values[code_row - 1][1] is None and values[account_row - 1][1] is None  # emptied: a second click undoes the last run
    states = {(r[1], r[COL["État"] - 1]) for r in sheet_rows(book)[1:]}
    assert ("F001", "délettré AA") in states and not any(a == "C001" and s.startswith("délettré") for a, s in states)
    assert [(g.account, g.code) for r in load_runs(fec) for g in r.groups] == [("C001", "AA")]


def test_undo_account_typed_as_a_number(tmp_path, fec):
    book = _applied(tmp_path, fec)
    book.write_cells(SHEET, {(_label_row(book, UNDO_ACCOUNT_LABEL), 2): "C001"})
    res = lettering_undo(book, fec=fec)
    assert "1 lettrage(s) défait(s)" in res.summary and letters(fec) == {11: "AA", 13: "AA"}
    from reglo.addin.shell.lettering import _typed

    assert _typed(401000.0) == "401000" and _typed("  ") is None and _typed(None) is None


def test_undo_unknown_code_typed_in_the_sheet(tmp_path, fec):
    book = _applied(tmp_path, fec)
    row = _label_row(book, UNDO_CODE_LABEL)
    book.write_cells(SHEET, {(row, 2): "ZZ"})
    res = lettering_undo(book, fec=fec)
    assert [a.code for a in res.alerts] == ["LET_UNDO_NOT_FOUND"] and "Rien n'a été délettré." in res.summary
    assert letters(fec) == {2: "AA", 4: "AA", 11: "AA", 13: "AA"}
    assert book.read_values(SHEET)[row - 1][1] == "ZZ"  # kept, so the user can correct it


def test_undo_last_run_says_how_to_undo_a_code(tmp_path, fec):
    book = _applied(tmp_path, fec)
    res = lettering_undo(book, fec=fec)
    assert "2 lettrage(s) défait(s)" in res.summary and letters(fec) == {}
    assert UNDO_CODE_LABEL in res.summary and f"reglo letter {fec.name} --undo CODE" in res.summary


def test_undo_code_typed_in_the_sheet_on_remote_engine(tmp_path, fec):
    book = _applied(tmp_path, fec)
    code_row = _label_row(book, UNDO_CODE_LABEL)
    book.write_cells(SHEET, {(code_row, 2): "AA"})
    sheets = {name: [[_iso(v) for v in row] for row in book.read_values(name)] for name in (SHEET, PARAMS_SHEET)}
    remote = make_book(sheets)
    res = lettering_undo(remote, fec=fec)
    assert "2 lettrage(s) défait(s)" in res.summary and letters(fec) == {}
    writes = [a for a in remote.json()["actions"] if a["func"] == "setValues"]
    assert any(a["start_row"] == code_row - 1 and a["start_column"] == 1 and a["values"] == [[""]] for a in writes)
    assert any("délettré AA" in str(a["values"]) for a in writes)


def test_proposals_with_the_fast_file_backend(tmp_path, fec):
    from openpyxl import load_workbook

    from reglo.addin.backends.fastbook import FastFileWorkbook

    path = tmp_path / "p.xlsx"
    FileWorkbook(path, create=True).save()
    book = FastFileWorkbook(path)
    lettering_propose(book, fec=fec)
    book.save()
    ws = load_workbook(path)[SHEET]
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1 == '"Oui,Non"' and str(dv.sqref).startswith("D")
    row = next(r for r in range(1, 20) if ws.cell(r, 1).value == UNDO_CODE_LABEL)
    assert ws.cell(row, 2).fill.fgColor.rgb.endswith("FFF2CC") and "code de lettrage" in ws.cell(row, 2).comment.text


def test_cli_undo_from_xlsx(tmp_path, fec, capsys):
    xlsx = tmp_path / "p.xlsx"
    assert main(["letter", str(fec), "--xlsx", str(xlsx), "--apply"]) == 0
    assert letters(fec) == {2: "AA", 4: "AA", 11: "AA", 13: "AA"}
    book = FileWorkbook(xlsx)
    book.write_cells(SHEET, {(_label_row(book, UNDO_ACCOUNT_LABEL), 2): "F001"})
    book.save()
    capsys.readouterr()
    assert main(["letter", str(fec), "--undo-from-xlsx", str(xlsx)]) == 0
    assert "compte F001" in capsys.readouterr().out and letters(fec) == {2: "AA", 4: "AA"}
    assert FileWorkbook(xlsx).read_values(SHEET)[_label_row(book, UNDO_ACCOUNT_LABEL) - 1][1] is None
    assert main(["letter", str(fec), "--undo-from-xlsx", str(xlsx)]) == 0  # cells empty: the last run
    assert letters(fec) == {} and "Pour défaire un code" in capsys.readouterr().out
    assert main(["letter", str(fec), "--undo-from-xlsx", str(tmp_path / "absent.xlsx")]) == 2


def _montant_sens(data: bytes) -> bytes:
    """A FEC written by ``write_fec(..., separator="|")`` in the Montant/Sens variant."""
    lines = data.decode("utf-8").split("\r\n")
    head = lines[0].split("|")
    d, c = head.index("Debit"), head.index("Credit")
    out = []
    for n, line in enumerate(lines):
        if not line:
            out.append(line)
            continue
        f = line.split("|")
        if n == 0:
            f[d], f[c] = "Montant", "Sens"
        else:
            debit, credit = f[d], f[c]
            f[d], f[c] = (debit, "D") if debit.strip("0,") else (credit, "C")
        out.append("|".join(f))
    return "\r\n".join(out).encode("utf-8")


@pytest.fixture
def montant_sens_fec(tmp_path) -> Path:
    path = tmp_path / "552100554FEC20251231.txt"
    path.write_bytes(_montant_sens(write_fec(ledger(TABLE), separator="|")))
    assert read_fec(path.read_bytes(), path.name).frame["debit"].sum() > 0  # the reader understands it
    return path


def test_cli_apply_keeps_a_montant_sens_fec_byte_for_byte(montant_sens_fec, capsys, tmp_path):
    fec = montant_sens_fec
    original = fec.read_bytes()
    assert main(["letter", str(fec), "--apply"]) == 0
    lettered = fec.read_bytes()
    assert lettered.split(b"\r\n", 1)[0] == original.split(b"\r\n", 1)[0]  # still Montant/Sens
    assert letters(fec)[2] == "AA"
    assert main(["letter", str(fec), "--undo-last"]) == 0
    assert fec.read_bytes() == original
    # with --out: a lettered copy in the same format, the original untouched; undo works on the copy
    out = tmp_path / "lettre.txt"
    assert main(["letter", str(fec), "--apply", "--out", str(out)]) == 0
    assert fec.read_bytes() == original
    assert out.read_bytes().split(b"\r\n", 1)[0] == original.split(b"\r\n", 1)[0] and letters(out)[2] == "AA"
    assert main(["letter", str(out), "--undo-last"]) == 0
    assert out.read_bytes() == original


def test_cli_apply_keeps_a_pipe_debit_credit_fec_and_undo_restores_it(tmp_path, capsys):
    fec = tmp_path / "552100554FEC20251231.txt"
    fec.write_bytes(write_fec(ledger(TABLE), separator="|", encoding="iso-8859-15"))
    original = fec.read_bytes()
    assert main(["letter", str(fec), "--apply"]) == 0
    assert fec.read_bytes() != original and fec.read_bytes().split(b"\r\n", 1)[0] == original.split(b"\r\n", 1)[0]
    assert main(["letter", str(fec), "--undo-last"]) == 0
    assert fec.read_bytes() == original


def test_apply_from_book_letters_a_montant_sens_fec_in_place(montant_sens_fec, tmp_path):
    xlsx = tmp_path / "p.xlsx"
    original = montant_sens_fec.read_bytes()
    assert main(["letter", str(montant_sens_fec), "--xlsx", str(xlsx)]) == 0
    lettering_apply(FileWorkbook(xlsx), fec=montant_sens_fec, now=NOW)
    assert letters(montant_sens_fec)[2] == "AA"
    assert montant_sens_fec.read_bytes().split(b"\r\n", 1)[0] == original.split(b"\r\n", 1)[0]


class _Terminal:
    """A stderr that says it is a terminal (as when the accountant runs reglo in a console)."""

    def __init__(self):
        import io

        self.buf = io.StringIO()

    def write(self, text):
        return self.buf.write(text)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_core_tells_progress_per_stage_and_per_account_block():
    from reglo.core.lettering import propose_lettering

    calls = []
    propose_lettering(ledger(TABLE), progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = list(dict.fromkeys(s for s, _, _ in calls))
    assert stages[0] == "préparation" and "références" in stages and stages[-1] == "groupes et codes"
    combos = [(d, t) for s, d, t in calls if s == "combinaisons 1↔k"]
    assert combos[-1][0] == combos[-1][1] and combos[-1][1] >= 1  # one tick per account, up to all of them
    assert all(d <= t for _, d, t in calls)


def test_cli_progress_on_a_terminal_only(fec, capsys, monkeypatch):
    import sys

    assert main(["letter", str(fec), "--apply"]) == 0
    assert "Lettrage —" not in capsys.readouterr().err  # not a terminal (pipe, log): silent
    main(["letter", str(fec), "--undo-last"])
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["letter", str(fec), "--apply"]) == 0
    err = term.buf.getvalue()
    for stage in ("lecture du FEC", "références", "combinaisons 1↔k", "application", "écriture du FEC"):
        assert f"Lettrage — {stage}" in err
    assert err.endswith("\n")  # every bar closed: the next output starts on its own line
    term2 = _Terminal()
    monkeypatch.setattr(sys, "stderr", term2)
    assert main(["letter", str(fec), "--evaluate"]) == 0
    assert "Lettrage — montants exacts" in term2.buf.getvalue()
