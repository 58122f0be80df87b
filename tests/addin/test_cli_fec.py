"""``reglo fec check FILE [--xlsx OUT] [--max N]`` through ``reglo.addin.entrypoints.cli.main``."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from reglo.addin.entrypoints.cli import main
from reglo.core.ledger import FEC_NAMES

NAME = "552100554FEC20251231.txt"


def _line(**kw: str) -> dict[str, str]:
    base = dict(
        JournalCode="VT", JournalLib="Ventes", EcritureNum="VT1", EcritureDate="20250131", CompteNum="411000",
        CompteLib="Clients", CompAuxNum="C001", CompAuxLib="Dupont", PieceRef="F1", PieceDate="20250131",
        EcritureLib="Facture F1", Debit="1200,00", Credit="0,00", EcritureLet="", DateLet="", ValidDate="20250131",
        Montantdevise="", Idevise="",
    )
    base.update(kw)
    return base


def _entry(number: str, amount: str = "1200,00") -> list[dict[str, str]]:
    return [
        _line(EcritureNum=number, Debit=amount, Credit="0,00"),
        _line(EcritureNum=number, CompteNum="706000", CompteLib="Prestations", CompAuxNum="", CompAuxLib="", Debit="0,00", Credit=amount),
    ]


def _write(path: Path, rows: list[dict[str, str] | str], header: list[str] | None = None, sep: str = "\t") -> Path:
    names = header or list(FEC_NAMES)
    lines = [sep.join(names)] + [r if isinstance(r, str) else sep.join(r.get(n, "") for n in names) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


@pytest.fixture
def clean_fec(tmp_path: Path) -> Path:
    return _write(tmp_path / NAME, _entry("VT1") + _entry("VT2", "99,90"))


@pytest.fixture
def broken_fec(tmp_path: Path) -> Path:
    rows: list = _entry("VT1") + _entry("VT2")
    rows[2]["EcritureLib"] = "Acompte | solde"
    rows[3]["Debit"], rows[3]["Credit"] = "0,00", "1200.00"
    rows[1]["PieceDate"] = "20250231"
    return _write(tmp_path / NAME, rows, sep="|")


def test_clean_fec_exits_0_with_a_french_summary(clean_fec, capsys):
    assert main(["fec", "check", str(clean_fec)]) == 0
    out = capsys.readouterr().out
    assert f"Contrôle du FEC : {NAME}" in out
    assert "Encodage : UTF-8" in out and "séparateur : tabulation" in out
    assert "Lignes lues (hors en-tête) : 4" in out and "lignes écartées : 0" in out
    assert "Écritures : 2" in out
    assert "Total débit : 1\u202f299,90 €" in out and "total crédit : 1\u202f299,90 €" in out
    assert "0 bloquante, 0 avertissement" in out
    assert "Aucune alerte." in out


def test_blocking_alerts_exit_1_and_are_listed_with_line_and_field(broken_fec, capsys):
    assert main(["fec", "check", str(broken_fec)]) == 1
    out = capsys.readouterr().out
    assert "séparateur : barre verticale" in out
    assert "lignes écartées : 1" in out
    assert "[BLOQUANT] ligne 4 — FEC_FIELD_COUNT" in out
    assert "[BLOQUANT] ligne 5, champ « Credit » — FEC_DECIMAL_POINT" in out
    assert "[BLOQUANT] ligne 3, champ « PieceDate » — FEC_DATE_INVALID" in out
    assert "NON CONFORME" in out


def test_warnings_only_exit_0(tmp_path, capsys):
    rows = _entry("VT1")
    rows[0]["CompteNum"] = "CLIENT"
    path = _write(tmp_path / NAME, rows)
    assert main(["fec", "check", str(path)]) == 0
    assert "[AVERTISSEMENT] ligne 2, champ « CompteNum » — FEC_ACCOUNT_FORMAT" in capsys.readouterr().out


def test_max_limits_the_alerts_shown(tmp_path, capsys):
    rows = [r for i in range(10) for r in _entry(f"VT{i}")]
    for r in rows:
        r["PieceRef"] = ""
    path = _write(tmp_path / NAME, rows)
    assert main(["fec", "check", str(path), "--max", "3"]) == 1  # empty PieceRef: non compliant for Test Compta Demat
    out = capsys.readouterr().out
    assert out.count("FEC_MISSING_DATA") == 3
    assert "Alertes (3 premières sur 20)" in out
    assert "17 autre(s) alerte(s)" in out


def test_default_max_is_50(tmp_path, capsys):
    rows = [r for i in range(40) for r in _entry(f"VT{i}")]
    for r in rows:
        r["PieceRef"] = ""
    path = _write(tmp_path / NAME, rows)
    main(["fec", "check", str(path)])
    assert capsys.readouterr().out.count("FEC_MISSING_DATA") == 50


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "vide"),
        ("\t".join(list(FEC_NAMES)[:10]).encode() + b"\r\nVT\tVentes\r\n", "EcritureLib"),
        (b"PK\x03\x04\x14\x00\x00\x00", "Excel"),
        (b"JournalCode JournalLib\r\n", "Séparateur"),
    ],
)
def test_unusable_file_exits_2_with_a_french_message_and_no_traceback(tmp_path, capsys, content, expected):
    path = tmp_path / NAME
    path.write_bytes(content)
    out_xlsx = tmp_path / "controle.xlsx"
    assert main(["fec", "check", str(path), "--xlsx", str(out_xlsx)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("Erreur : ")
    assert expected in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not out_xlsx.exists()
    assert list(tmp_path.iterdir()) == [path]


def test_missing_file_and_directory_exit_2(tmp_path, capsys):
    assert main(["fec", "check", str(tmp_path / "absent.txt")]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert main(["fec", "check", str(tmp_path)]) == 2
    assert "dossier" in capsys.readouterr().err


def test_xlsx_output_lists_and_paints_the_alerts(broken_fec, tmp_path, capsys):
    out = tmp_path / "controle.xlsx"
    assert main(["fec", "check", str(broken_fec), "--xlsx", str(out)]) == 1
    assert "Classeur écrit" in capsys.readouterr().out
    wb = load_workbook(out)
    assert {"Contrôle", "Lignes FEC"} <= set(wb.sheetnames)
    lines = wb["Lignes FEC"]
    values = [list(r) for r in lines.iter_rows(values_only=True)]
    assert values[0][:3] == ["Ligne", "JournalCode", "JournalLib"]
    assert [r[0] for r in values[1:]] == [3, 4, 5]
    # the decimal point on line 5 is in column Credit (first column is « Ligne »)
    credit_col = values[0].index("Credit") + 1
    assert lines.cell(4, credit_col).fill.fgColor.rgb.endswith("FFC7CE")
    assert lines.cell(4, credit_col).comment is not None
    control = [list(r) for r in wb["Contrôle"].iter_rows(values_only=True)]
    codes = {r[3] for r in control if r and r[3]}
    assert {"FEC_FIELD_COUNT", "FEC_DECIMAL_POINT", "FEC_DATE_INVALID"} <= codes
    assert any(r[0] == "Fichier" and r[1] == NAME for r in control)


def test_xlsx_needs_an_xlsx_name(clean_fec, tmp_path, capsys):
    assert main(["fec", "check", str(clean_fec), "--xlsx", str(tmp_path / "controle.csv")]) == 2
    assert ".xlsx" in capsys.readouterr().err


def test_xlsx_over_a_corrupt_workbook_exits_2_and_leaves_it_alone(clean_fec, tmp_path, capsys):
    out = tmp_path / "controle.xlsx"
    out.write_bytes(b"not a zip")
    assert main(["fec", "check", str(clean_fec), "--xlsx", str(out)]) == 2
    assert out.read_bytes() == b"not a zip"
    assert "Traceback" not in capsys.readouterr().err


def test_rerun_on_the_same_workbook_replaces_the_previous_report(broken_fec, clean_fec, tmp_path):
    out = tmp_path / "controle.xlsx"
    main(["fec", "check", str(broken_fec), "--xlsx", str(out)])
    (tmp_path / "fixed").mkdir()
    fixed = _write(tmp_path / "fixed" / NAME, _entry("VT1"))
    assert main(["fec", "check", str(fixed), "--xlsx", str(out)]) == 0
    wb = load_workbook(out)
    control = [list(r) for r in wb["Contrôle"].iter_rows(values_only=True)]
    assert not {r[3] for r in control if r and r[3]} & {"FEC_FIELD_COUNT", "FEC_DECIMAL_POINT"}
    assert [list(r) for r in wb["Lignes FEC"].iter_rows(values_only=True)][1:] == []


def test_help_is_french(capsys):
    with pytest.raises(SystemExit):
        main(["fec", "check", "--help"])
    out = capsys.readouterr().out
    assert "--xlsx" in out and "--max" in out and "Codes de sortie" in out


# --- demo step ----------------------------------------------------------------------


def test_demo_step_checks_the_dossier_fec(broken_fec, tmp_path):
    from reglo.addin.entrypoints.demo_steps import DemoContext, steps
    from reglo.addin.entrypoints.demo_steps import s20_fec_check as step

    assert step.ORDER == 20 and step in steps()
    ctx = DemoContext(out_dir=tmp_path)
    assert "ignorée" in step.run(ctx)[0] and ctx.blocking == 0

    (tmp_path / "clean").mkdir()
    ctx.fec_path = _write(tmp_path / "clean" / NAME, _entry("VT1") + _entry("VT2", "99,90"))
    lines = step.run(ctx)
    assert "4 lignes lues" in lines[0] and "2 écritures" in lines[0]
    assert "0 alerte bloquante" in lines[1] and ctx.blocking == 0

    ctx.fec_path = broken_fec
    lines = step.run(ctx)
    assert ctx.blocking == 4  # field count, decimal point, date, and VT2 unbalanced without its line 4
    assert any("FEC_FIELD_COUNT" in l for l in lines)


def test_demo_step_reports_an_unusable_fec(tmp_path):
    from reglo.addin.entrypoints.demo_steps import DemoContext
    from reglo.addin.entrypoints.demo_steps import s20_fec_check as step

    path = tmp_path / NAME
    path.write_bytes(b"")
    ctx = DemoContext(out_dir=tmp_path, fec_path=path)
    assert "inutilisable" in step.run(ctx)[0]
    assert ctx.blocking == 1


def test_xlsx_copies_at_most_max_sheet_lines(tmp_path, monkeypatch, capsys):
    import reglo.addin.entrypoints.commands.fec as command

    monkeypatch.setattr(command, "MAX_SHEET_LINES", 2)
    rows = [r for i in range(4) for r in _entry(f"VT{i}")]
    for r in rows[:5]:
        r["PieceRef"] = ""
    path = _write(tmp_path / NAME, rows)
    out = tmp_path / "controle.xlsx"
    assert main(["fec", "check", str(path), "--xlsx", str(out)]) == 1  # empty PieceRef: « données absentes »
    wb = load_workbook(out)
    assert [r[0] for r in wb["Lignes FEC"].iter_rows(min_row=2, values_only=True)] == [2, 3]
    control = [list(r) for r in wb["Contrôle"].iter_rows(values_only=True)]
    listed = [r for r in control if r and r[3] == "FEC_MISSING_DATA"]
    assert len(listed) == 5
    assert sum(1 for r in listed if r[0] == "FEC") == 3
    assert any(r[0] == "Remarque" for r in control)


def test_output_piped_to_head_stops_quietly(tmp_path: Path):
    """``reglo fec check F | head -1``: no « Erreur interne » when the pipe closes."""
    import subprocess
    import sys

    path = _write(tmp_path / NAME, [_line(EcritureNum=f"E{i}", Debit="abc") for i in range(3000)])
    proc = subprocess.run(
        f'"{sys.executable}" -m reglo.addin.entrypoints.cli fec check "{path}" | head -1',
        shell=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=120,
    )
    assert proc.stdout.count("\n") == 1
    assert "Erreur interne" not in proc.stderr and "BrokenPipe" not in proc.stderr and "Traceback" not in proc.stderr
