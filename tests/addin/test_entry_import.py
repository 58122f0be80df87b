"""Entry import, add-in side: CLI on csv / txt / xlsx files, rejects importable again,
definition sheet ⇄ JSON, the ribbon handlers through xlwings' remote engine."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from reglo.addin.shell import entry_import as ei
from reglo.addin.entrypoints.cli import main
from reglo.addin.entrypoints.handlers import HANDLERS, load_all
from reglo.addin.entrypoints.handlers.entry_import import entry_import_definition, entry_import_run
from reglo.addin.backends.sheets import FileWorkbook
from reglo.core.entry_import import AccountRange, ImportDefinition
from reglo.core.entry_import.layout import PRESETS, preset_one_line, preset_sales_vat_on_line
from reglo.core.fec import read_fec
from tests.conftest import make_book

SALES_CSV = (
    "Journal;Date;N° facture;Libellé;Compte;Nom;Montant débit;Montant crédit;Montant TVA\r\n"
    "VT;31/01/2025;F1;Vente janvier;10032;Durand SA;1.210,00;;\r\n"
    "VT;31/01/2025;F1;Vente janvier;706000;;;1.000,00;210,00\r\n"
    "VT;01/02/2025;F2;Vente février;10033;Martin SARL;120,00;;\r\n"
    "VT;01/02/2025;F2;Vente février;706000;;;100,00;19,99\r\n"
    "VT;02/02/2025;F3;Vente;10034;Petit;60,00;;\r\n"
    "VT;02/02/2025;F3;Vente;706000;;;50,00;10,00\r\n"
)


def R(folder: Path) -> Path:
    """The run folder an import created under ``folder`` (one per run, dated)."""
    (run,) = sorted(p for p in folder.glob("Import *") if p.is_dir())
    return run


@pytest.fixture
def sales(tmp_path):
    path = tmp_path / "ventes.csv"
    path.write_bytes(SALES_CSV.encode("cp1252"))
    definition = tmp_path / "ventes.json"
    definition.write_bytes(ei.definition_to_json(preset_sales_vat_on_line()))
    return path, definition


def test_cli_imports_a_cp1252_csv_writes_fec_and_rejects(sales, tmp_path, capsys):
    path, definition = sales
    out = tmp_path / "sortie"
    code = main(["entries", "import", str(path), "--definition", str(definition), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 1  # one entry rejected
    assert "6 lignes lues = 4 acceptées + 2 rejetées" in printed
    fec = R(out) / "societeFEC20251231.txt"
    ledger = read_fec(fec.read_bytes())
    assert not [a for a in ledger.alerts if a.is_blocking and a.code != "FEC_FILENAME"]
    assert list(ledger.frame["ledger_account"]) == ["411000", "706000", "445710", "411000", "706000", "445710"]
    assert list(ledger.frame["debit"]) == [121000, 0, 0, 6000, 0, 0]
    # rejects csv: the two lines as they were (same encoding), in order, with the reason
    rejects = (R(out) / "ventes - rejets.csv").read_bytes().decode("cp1252").splitlines()
    assert rejects[0] == SALES_CSV.splitlines()[0] + ";Motif du rejet;Code rejet"
    assert len(rejects) == 3
    assert all(r.startswith(original + ";") for r, original in zip(rejects[1:], SALES_CSV.splitlines()[3:5]))
    assert all(r.endswith(";IMPORT_ENTRY_UNBALANCED") for r in rejects[1:])
    wb = openpyxl.load_workbook(R(out) / "ventes - rejets.xlsx")
    ws = wb["Rejets"]
    assert [c.value for c in ws[2]][:9] == ["VT", "01/02/2025", "F2", "Vente février", "10033", "Martin SARL", "120,00", None, None]
    assert "IMPORT_ENTRY_UNBALANCED" == ws.cell(2, 11).value
    res = openpyxl.load_workbook(R(out) / "ventes - écritures importées.xlsx")
    assert {"Écritures importées", "Résumé import", "Définition d'import"} <= set(res.sheetnames)
    assert any("ventes - rejets.xlsx" in (c.value or "") for c in res["Résumé import"]["A"])
    assert res["Écritures importées"].max_row == 7


def test_rejects_file_is_importable_again_once_fixed(sales, tmp_path):
    path, definition = sales
    out = tmp_path / "sortie"
    main(["entries", "import", str(path), "--definition", str(definition), "--out", str(out)])
    fixed = R(out) / "ventes - rejets.csv"
    text = fixed.read_bytes().decode("cp1252").replace("19,99", "20,00")
    fixed.write_bytes(text.encode("cp1252"))
    assert main(["entries", "import", str(fixed), "--definition", str(definition), "--out", str(tmp_path / "2")]) == 0
    ledger = read_fec((R(tmp_path / "2") / "societeFEC20251231.txt").read_bytes())
    assert len(ledger.frame) == 3 and ledger.total_debit_cents() == 12000
    # and the xlsx rejects file too
    wb = openpyxl.load_workbook(R(out) / "ventes - rejets.xlsx")
    ws = wb["Rejets"]
    for row in ws.iter_rows(min_row=2):
        if row[8].value == "19,99":
            row[8].value = "20,00"
    wb.save(tmp_path / "rejets corrigés.xlsx")
    assert main(["entries", "import", str(tmp_path / "rejets corrigés.xlsx"), "--definition", str(definition), "--out", str(tmp_path / "3")]) == 0


def test_txt_tab_separated_with_several_companies_and_company_option(tmp_path, capsys):
    d = preset_one_line().model_copy(update={"companies": {"ALPHA": "552100554", "BETA": ""}})
    text = (
        "Société\tJournal\tDate\tPièce\tLibellé\tCompte\tType\tMontant\tMontant TVA\tCompte de contrepartie\n"
        "ALPHA\tVT\t31/01/2025\tF1\tVente\tC001\tD\t1210,00\t-210,00\t706000\n"
        "\tVT\t31/01/2025\tF2\tVente\tC002\tD\t120,00\t-20,00\t706000\n"
        "BETA\tAC\t02/02/2025\tA1\tAchat\tF009\tC\t600,00-\t-100,00\t606100\n"
    )
    (tmp_path / "e.txt").write_text(text, encoding="utf-8")
    (tmp_path / "d.json").write_bytes(ei.definition_to_json(d))
    code = main(["entries", "import", str(tmp_path / "e.txt"), "--definition", str(tmp_path / "d.json"), "--company", "BETA"])
    assert code == 0, capsys.readouterr().out
    alpha = read_fec((R(tmp_path) / "552100554FEC20251231.txt").read_bytes()).frame
    beta = read_fec((R(tmp_path) / "BETAFEC20251231.txt").read_bytes()).frame
    assert list(alpha["ledger_account"]) == ["411000", "706000", "445710"]
    assert list(beta["ledger_account"]) == ["411000", "706000", "445710", "401000", "606100", "445660"]
    assert list(beta["debit"]) == [12000, 0, 0, 0, 50000, 10000]


def test_xlsx_input_and_definition_sheet(tmp_path):
    from datetime import datetime

    book = FileWorkbook(tmp_path / "import.xlsx", create=True)
    ei.write_definition_sheet(book, PRESETS["paie-banque"]())
    book.write_sheet(ei.DATA_SHEET, ["Code journal", "Date écriture", "N° écriture", "Pièce", "Libellé", "Compte général", "Client", "Fournisseur", "Montant", "Sens"], [
        ["PA", datetime(2025, 1, 31), 1, "PAIE01", "Salaires janvier", 641000, None, None, 3000.0, "D"],
        ["PA", datetime(2025, 1, 31), 1, "PAIE01", "Salaires janvier", 421000, None, None, 2340.12, "C"],
        ["PA", datetime(2025, 1, 31), 1, "PAIE01", "Salaires janvier", 431000, None, None, 659.88, "C"],
        ["BQ1", datetime(2025, 2, 3), 2, "VIR", "Virement", 512000, None, None, 100, "D"],
        ["BQ1", datetime(2025, 2, 3), 2, "VIR", "Virement", 411000, "C0042", None, 100, "X"],
    ])
    book.save()
    run = ei.import_file(tmp_path / "import.xlsx", ei.load_definition(tmp_path / "import.xlsx").definition, out_dir=tmp_path / "out")
    s = run.result.summary
    assert (s.lines_read, s.lines_accepted, s.lines_rejected) == (5, 3, 2)
    assert run.result.reason_codes == ("IMPORT_ENTRY_LINE_REJECTED", "IMPORT_SIGN_INVALID")
    assert [int(x) for x in run.result.source_rows[run.result.rejected]] == [5, 6]
    frame = run.result.frame()
    assert list(frame["debit"]) == [300000, 0, 0] and list(frame["credit"]) == [0, 234012, 65988]
    rows = list(openpyxl.load_workbook(R(tmp_path / "out") / "import - rejets.xlsx")["Rejets"].iter_rows(values_only=True))
    assert rows[1][:10] == ("BQ1", datetime(2025, 2, 3), 2, "VIR", "Virement", 512000, None, None, 100, "D")
    csv_rows = list(csv.reader(io.StringIO((R(tmp_path / "out") / "import - rejets.csv").read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert csv_rows[2][:10] == ["BQ1", "2025-02-03", "2", "VIR", "Virement", "411000", "C0042", "", "100", "X"]


def test_definition_sheet_and_json_round_trip(tmp_path):
    d = preset_one_line().model_copy(update={"companies": {"A": "552100554", "B": ""}, "thousands_separator": " ", "general_ranges": (), "csv_separator": "\t"})
    book = FileWorkbook(tmp_path / "d.xlsx", create=True)
    ei.write_definition_sheet(book, d, input_file="C:/x.csv")
    book.save()
    back = ei.load_definition(tmp_path / "d.xlsx")
    assert back.definition == d and back.input_file == "C:/x.csv"
    assert ei.definition_from_json(ei.definition_to_json(d)) == d
    for preset in PRESETS.values():
        p = preset()
        book = FileWorkbook(tmp_path / "p.xlsx", create=True)
        ei.write_definition_sheet(book, p)
        assert ei.read_definition_sheet(book).definition == p


def test_bad_definition_and_bad_files_are_clear_french_errors(tmp_path, sales, capsys):
    path, definition = sales
    (tmp_path / "bad.json").write_text('{"amount_mode": "au hasard"}', encoding="utf-8")
    assert main(["entries", "import", str(path), "--definition", str(tmp_path / "bad.json")]) == 2
    assert "Traitement débit/crédit" in capsys.readouterr().err
    overlap = preset_sales_vat_on_line().model_copy(update={"customer_ranges": (AccountRange(start=10000, end=25000),)})
    (tmp_path / "overlap.json").write_text(overlap.model_dump_json(), encoding="utf-8")
    assert main(["entries", "import", str(path), "--definition", str(tmp_path / "overlap.json")]) == 2
    assert "chevauchent" in capsys.readouterr().err
    (tmp_path / "vide.csv").write_bytes(b"")
    assert main(["entries", "import", str(tmp_path / "vide.csv"), "--definition", str(definition)]) == 2
    (tmp_path / "cols.csv").write_text("Journal;Date\nVT;01/01/2025\n", encoding="utf-8")
    assert main(["entries", "import", str(tmp_path / "cols.csv"), "--definition", str(definition)]) == 2
    err = capsys.readouterr().err
    assert "Colonnes de la définition d'import absentes du fichier" in err and err.count("« Compte »") == 1  # listed once

    (tmp_path / "binaire.csv").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    assert main(["entries", "import", str(tmp_path / "binaire.csv"), "--definition", str(definition)]) == 2
    err = capsys.readouterr().err
    assert "n'est pas un fichier texte d'écritures" in err and "FEC" not in err  # IMPORT_NOT_TEXT
    (tmp_path / "x.xlsx").write_bytes(b"pas un classeur")
    assert main(["entries", "import", str(tmp_path / "x.xlsx"), "--definition", str(definition)]) == 2
    book = FileWorkbook(tmp_path / "def.xlsx", create=True)
    book.write_sheet(ei.DEFINITION_SHEET, ["Paramètre", "Valeur"], [["Traitement débit/crédit", "n'importe quoi"], ["Paramètre inventé", "x"]])
    book.save()
    assert main(["entries", "import", str(path), "--definition", str(tmp_path / "def.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "ligne 3" in err and "Paramètre inventé" in err


def test_blank_lines_and_broken_lines_keep_their_line_numbers(tmp_path):
    text = SALES_CSV.replace("19,99", "20,00").replace("VT;02/02/2025;F3;Vente;10034;", "\r\nVT;02/02/2025;F3;Vente;10034;x;")
    (tmp_path / "v.csv").write_text(text, encoding="utf-8")
    run = ei.import_file(tmp_path / "v.csv", preset_sales_vat_on_line(), out_dir=tmp_path)
    assert [int(run.result.source_rows[p]) for p in run.result.rejected] == [7, 8]
    assert run.result.reason_codes == ("IMPORT_FIELD_COUNT", "IMPORT_ENTRY_UNBALANCED")
    lines = (R(tmp_path) / "v - rejets.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert lines[1].startswith("VT;02/02/2025;F3;Vente;10034;x;Petit;60,00;;;")


def test_handlers_registered_in_the_ribbon_group():
    load_all()
    tags = {t: h for t, h in HANDLERS.items() if h.group == "Import d'écritures"}
    assert [tags[k].label for k in sorted(tags, key=lambda k: tags[k].order)] == ["Définition d'import", "Importer les écritures"]


def _definition_values(d: ImportDefinition) -> list[list]:
    book = FileWorkbook(Path("/nonexistent/x.xlsx"), create=True)
    ei.write_definition_sheet(book, d)
    return [["" if v is None else v for v in row] for row in book.read_values(ei.DEFINITION_SHEET)]


def test_handler_on_remote_engine_writes_the_sheets(tmp_path):
    rows = [
        ["Journal", "Date", "N° facture", "Libellé", "Compte", "Nom", "Montant débit", "Montant crédit", "Montant TVA"],
        ["VT", "2025-01-31T00:00:00.000Z", "F1", "Vente", "10032", "Durand", 1210.0, "", ""],
        ["VT", "2025-01-31T00:00:00.000Z", "F1", "Vente", "706000", "", "", 1000.0, 210.0],
        ["VT", "2025-02-01T00:00:00.000Z", "F2", "Vente", "706000", "", "", 100.0, 20.0],
        ["VT", "2025-02-01T00:00:00.000Z", "F2", "Vente", "10033", "Martin", 120.0, "", ""],
    ]
    book = make_book({ei.DEFINITION_SHEET: _definition_values(preset_sales_vat_on_line()), ei.DATA_SHEET: rows})
    result = entry_import_run(book, out_dir=tmp_path)
    assert result.exit_code == 1
    assert "4 lignes lues = 2 acceptées + 2 rejetées" in result.summary
    assert {a.code for a in result.alerts} == {"IMPORT_INVOICE_FIRST_LINE", "FEC_FILENAME"}  # no SIREN in the definition: the FEC name is flagged
    actions = book.json()["actions"]
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert added[:3] == ["Écritures importées", "Rejets", "Résumé import"] and "Contrôle import" in added
    # the second invoice's first line (Excel row 4) is painted red in « Lignes à importer »
    data_pos = 1
    red = [a for a in actions if a["func"] == "setRangeColor" and a["args"][0] == "#FFC7CE" and a["sheet_position"] == data_pos]
    assert any(a["start_row"] == 3 for a in red)
    entries_pos = next(a["args"][0] for a in actions if a["func"] == "addSheet" and a["args"][1] == "Écritures importées")
    values = [a["values"] for a in actions if a["func"] == "setValues" and a["sheet_position"] == entries_pos]
    body = values[1]
    assert [(r[5], r[7], r[12], r[13]) for r in body] == [("411000", "10032", 1210.0, 0.0), ("706000", "", 0.0, 1000.0), ("445710", "", 0.0, 210.0)]
    rejects_pos = next(a["args"][0] for a in actions if a["func"] == "addSheet" and a["args"][1] == "Rejets")
    rej = [a["values"] for a in actions if a["func"] == "setValues" and a["sheet_position"] == rejects_pos][1]
    assert [r[4] for r in rej] == ["706000", "10033"] and rej[0][-1] == "IMPORT_INVOICE_FIRST_LINE"
    assert any(p.endswith("FEC20251231.txt") for p in result.outputs)


def test_definition_handler_creates_the_sheets_on_remote_engine():
    book = make_book({"Feuil1": [["x"]]})
    result = entry_import_definition(book)
    assert "créée" in result.summary and result.alerts == []
    added = [a["args"][1] for a in book.json()["actions"] if a["func"] == "addSheet"]
    assert added == [ei.DEFINITION_SHEET, ei.DATA_SHEET]


def test_template_flow_on_a_file_workbook(tmp_path):
    """The template as the accountant gets it: « Importer les écritures » on the file writes the
    sheets into it and the FEC / rejects beside it."""
    from reglo.workbook_templates import discover

    path = tmp_path / "Import d'écritures.xlsx"
    discover()["Import d'écritures.xlsx"](path)
    result = entry_import_run(FileWorkbook(path))
    assert result.exit_code == 0 and "2 lignes lues = 2 acceptées + 0 rejetée" in result.summary
    assert (R(tmp_path) / "societeFEC20251231.txt").exists() and (R(tmp_path) / "Lignes à importer - rejets.csv").exists()
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Écritures importées"].iter_rows(min_row=2, values_only=True))
    assert [(r[5], r[7], r[12], r[13]) for r in rows] == [("411000", "10032", 1210, 0), ("706000", None, 0, 1000), ("445710", None, 0, 210)]


def test_cli_definition_converts_between_sheet_and_json(tmp_path, capsys):
    assert main(["entries", "definition", "--preset", "paie-banque", "--out", str(tmp_path / "d.xlsx")]) == 0
    assert main(["entries", "definition", str(tmp_path / "d.xlsx"), "--out", str(tmp_path / "d.json")]) == 0
    assert ei.load_definition(tmp_path / "d.json").definition == PRESETS["paie-banque"]()
    assert main(["entries", "definition", "--out", str(tmp_path / "x.json")]) == 2


def test_definition_sheet_uses_the_issue_labels_and_reads_the_old_one():
    d = preset_one_line()
    labels = [row[0] for row in _definition_values(d)]
    assert "Compte de contrepartie dans la même ligne" in labels and "Montant TVA dans la même ligne" in labels
    assert "Compte de contrepartie" not in labels
    book = FileWorkbook(Path("/nonexistent/x.xlsx"), create=True)
    ei.write_definition_sheet(book, d)
    values = book.read_values(ei.DEFINITION_SHEET)
    cells = {(r, 1): "Compte de contrepartie" for r, row in enumerate(values, start=1) if row and row[0] == "Compte de contrepartie dans la même ligne"}
    book.write_cells(ei.DEFINITION_SHEET, cells)  # a sheet written before the wording change
    assert ei.read_definition_sheet(book).definition == d


def test_dossier_gives_the_fec_its_siren_and_closing(sales, tmp_path, capsys):
    from reglo.addin.shell.dossier import write_dossier
    from reglo.core.demo import generate_demo

    demo = generate_demo()
    folder = tmp_path / "dossier"
    folder.mkdir()
    write_dossier(folder, demo.dossier, demo.ledger_frame)
    company = demo.dossier.company
    path, definition = sales
    out = tmp_path / "avec-dossier"
    assert main(["entries", "import", str(path), "--definition", str(definition), "--out", str(out), "--dossier", str(folder)]) == 1
    printed = capsys.readouterr().out
    expected = f"{company.siren}FEC{company.fiscal_year_end:%Y%m%d}.txt"
    assert (R(out) / expected).exists() and not list(R(out).glob("societeFEC*"))
    assert "FEC_FILENAME" not in printed and expected in printed
    assert not [a for a in read_fec((R(out) / expected).read_bytes(), filename=expected).alerts if a.code == "FEC_FILENAME"]
    # --siren alone: the SIREN, closing from the entries' year
    out2 = tmp_path / "avec-siren"
    assert main(["entries", "import", str(path), "--definition", str(definition), "--out", str(out2), "--siren", "552 100 554"]) == 1
    assert (R(out2) / "552100554FEC20251231.txt").exists()
    capsys.readouterr()
    assert main(["entries", "import", str(path), "--definition", str(definition), "--out", str(out2), "--siren", "123456789"]) == 2
    assert "SIREN invalide" in capsys.readouterr().err


def test_no_siren_known_is_a_fec_filename_warning(sales, tmp_path, capsys):
    path, definition = sales
    run = ei.import_file(path, ei.load_definition(definition).definition, out_dir=tmp_path / "o")
    warned = [a for a in run.alerts if a.code == "FEC_FILENAME"]
    assert len(warned) == 1 and not warned[0].is_blocking and "societeFEC20251231.txt" in warned[0].message
    summary = FileWorkbook(R(tmp_path / "o") / "ventes - écritures importées.xlsx").read_values(ei.SUMMARY_SHEET)
    assert any("FEC_FILENAME" in str(line[0]) for line in summary)
    named = ei.import_file(path, ei.load_definition(definition).definition, out_dir=tmp_path / "p", siren="552100554")
    assert not [a for a in named.alerts if a.code == "FEC_FILENAME"]


def test_progress_shows_the_three_phases(sales, tmp_path):
    from reglo.addin.backends.progress import Progress

    path, definition = sales
    stream = io.StringIO()
    with Progress("Import", total=3, stream=stream, enabled=True) as bar:
        ei.import_file(path, ei.load_definition(definition).definition, out_dir=tmp_path / "o", progress=bar)
    text = stream.getvalue()
    assert "lecture du fichier" in text and "contrôle et construction" in text and "écriture du FEC" in text and "3/3" in text


def test_demo_step_names_the_fec_with_the_dossier_siren(tmp_path):
    from reglo.addin.entrypoints.demo_steps import DemoContext, s60_entries
    from reglo.addin.shell.dossier import DOSSIER_FILE, write_dossier
    from reglo.core.demo import generate_demo

    demo = generate_demo()
    folder = tmp_path / "D"
    folder.mkdir()
    write_dossier(folder, demo.dossier, demo.ledger_frame)
    ctx = DemoContext(out_dir=folder, dossier_path=folder / DOSSIER_FILE)
    s60_entries.run(ctx)
    assert ctx.blocking == 0
    company = demo.dossier.company
    for key in ("ventes", "paie-banque"):
        out = R(folder / s60_entries.FOLDER / f"résultat-{key}")
        assert (out / f"{company.siren}FEC{company.fiscal_year_end:%Y%m%d}.txt").exists(), sorted(p.name for p in out.iterdir())
        assert not list(out.glob("societeFEC*"))


def test_formula_like_text_is_kept_exactly_in_every_output(tmp_path):
    """Rejects (unchanged lines), « Écritures importées » and « Écritures »: the exact text,
    stored as non-evaluated strings (openpyxl and calamine read back the same text)."""
    from datetime import datetime

    from python_calamine import CalamineWorkbook

    from reglo.addin.backends.entries_sheet import write_entries_sheet

    trap = '=HYPERLINK("http://evil.example","Facture")'
    book = FileWorkbook(tmp_path / "import.xlsx", create=True)
    ei.write_definition_sheet(book, PRESETS["paie-banque"]())
    book.write_sheet(ei.DATA_SHEET, ["Code journal", "Date écriture", "N° écriture", "Pièce", "Libellé", "Compte général", "Client", "Fournisseur", "Montant", "Sens"], [
        ["PA", datetime(2025, 1, 31), 1, trap, "-Salaires", 641000, None, None, 3000.0, "D"],
        ["PA", datetime(2025, 1, 31), 1, trap, "-Salaires", 421000, None, None, 3000.0, "C"],
        ["BQ1", datetime(2025, 2, 3), 2, "@VIR", "+Virement", 512000, None, None, 100, "D"],
        ["BQ1", datetime(2025, 2, 3), 2, "@VIR", "+Virement", 411000, "C0042", None, 100, "X"],
    ])
    book.save()
    run = ei.import_file(tmp_path / "import.xlsx", ei.load_definition(tmp_path / "import.xlsx").definition, out_dir=tmp_path / "out")
    assert run.result.summary.lines_rejected == 2
    rejects = R(tmp_path / "out") / "import - rejets.xlsx"
    ws = openpyxl.load_workbook(rejects)["Rejets"]
    assert [(ws.cell(r, 4).value, ws.cell(r, 5).value) for r in (2, 3)] == [("@VIR", "+Virement")] * 2
    assert all(ws.cell(r, c).data_type == "s" for r in (2, 3) for c in (4, 5))
    cal = CalamineWorkbook.from_path(str(rejects)).get_sheet_by_name("Rejets").to_python()
    assert [row[3:5] for row in cal[1:3]] == [["@VIR", "+Virement"]] * 2
    result = R(tmp_path / "out") / "import - écritures importées.xlsx"
    ws = openpyxl.load_workbook(result)[ei.ENTRIES_SHEET]
    head = [c.value for c in ws[1]]
    ref, label = head.index("PieceRef") + 1, head.index("EcritureLib") + 1
    assert (ws.cell(2, ref).value, ws.cell(2, ref).data_type) == (trap, "s")
    kept = "-Salaires (n° 1)"  # the source entry number, kept at the end of EcritureLib (PieceRef is taken)
    assert (ws.cell(2, label).value, ws.cell(2, label).data_type) == (kept, "s")
    cal = CalamineWorkbook.from_path(str(result)).get_sheet_by_name(ei.ENTRIES_SHEET).to_python()
    assert cal[1][ref - 1] == trap and cal[1][label - 1] == kept
    # the « Écritures » sheet of every workflow
    sheet_book = FileWorkbook(tmp_path / "e.xlsx", create=True)
    write_entries_sheet(sheet_book, run.result.frame())
    sheet_book.save()
    ws = openpyxl.load_workbook(tmp_path / "e.xlsx")["Écritures"]
    head = [c.value for c in ws[1]]
    col = head.index("PieceRef") + 1
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == trap)
    assert ws.cell(row, col).data_type == "s" and ws.cell(row, col).quotePrefix
    warned = sorted((a.row, a.column) for a in run.alerts if a.code == "FORMULA_INJECTION")
    assert warned == [(2, "EcritureLib"), (2, "PieceRef"), (3, "EcritureLib"), (3, "PieceRef")]  # accepted lines only
    (tmp_path / "v.csv").write_bytes(SALES_CSV.encode("cp1252"))
    clean = ei.import_file(tmp_path / "v.csv", preset_sales_vat_on_line(), out_dir=tmp_path / "out2")
    assert clean.result.summary.lines_accepted and not [a for a in clean.alerts if a.code == "FORMULA_INJECTION"]


def _ribbon_rows() -> list[list]:
    return [
        ["Journal", "Date", "N° facture", "Libellé", "Compte", "Nom", "Montant débit", "Montant crédit", "Montant TVA"],
        ["VT", "2025-01-31T00:00:00.000Z", "F1", "Vente", "10032", "Durand", 1210.0, "", ""],
        ["VT", "2025-01-31T00:00:00.000Z", "F1", "Vente", "706000", "", "", 1000.0, 210.0],
    ]


@pytest.mark.parametrize("how", ["found", "given", "env"])
def test_the_ribbon_import_in_a_dossier_names_the_fec_with_its_siren_and_records_in_its_register(tmp_path, how, monkeypatch):
    """« Importer les écritures » does what ``reglo entries import --dossier`` does when the
    output folder is in a Reglo dossier (or the dossier is given, or named by ``REGLO_DOSSIER``
    as for the other buttons): the FEC is named with the dossier's SIREN and closing date (no
    FEC_FILENAME warning), and the run is a batch of the dossier's register."""
    from reglo.addin.shell.dossier import write_dossier
    from reglo.addin.shell.registry import open_store
    from reglo.core.demo import generate_demo

    demo = generate_demo()
    folder = tmp_path / "dossier"
    folder.mkdir()
    write_dossier(folder, demo.dossier, demo.ledger_frame)
    company = demo.dossier.company
    book = make_book({ei.DEFINITION_SHEET: _definition_values(preset_sales_vat_on_line()), ei.DATA_SHEET: _ribbon_rows()})
    out = folder / "imports" if how == "found" else tmp_path / "ailleurs"
    if how == "env":
        monkeypatch.setenv("REGLO_DOSSIER", str(folder))
    result = entry_import_run(book, out_dir=out, **({"dossier": folder} if how == "given" else {}))
    expected = f"{company.siren}FEC{company.fiscal_year_end:%Y%m%d}.txt"
    assert "FEC_FILENAME" not in {a.code for a in result.alerts}
    assert [p for p in result.outputs if Path(p).name == expected], result.outputs
    fec = next(Path(p) for p in result.outputs if Path(p).name == expected)
    assert not [a for a in read_fec(fec.read_bytes(), filename=expected).alerts if a.code == "FEC_FILENAME"]
    if how == "found":  # recorded in the dossier's own register (elsewhere: the output folder's)
        batches = [b for b in open_store(folder).snapshot().batches if b.kind == "import_ecritures"]
        assert len(batches) == 1 and batches[0].status == "committed"


def test_the_ribbon_import_outside_any_dossier_still_warns_about_the_fec_name(tmp_path, monkeypatch):
    monkeypatch.setenv("REGLO_DOSSIER", str(tmp_path / "pas-un-dossier"))  # a folder without the dossier workbook: ignored
    book = make_book({ei.DEFINITION_SHEET: _definition_values(preset_sales_vat_on_line()), ei.DATA_SHEET: _ribbon_rows()})
    result = entry_import_run(book, out_dir=tmp_path / "seul")
    assert "FEC_FILENAME" in {a.code for a in result.alerts}
