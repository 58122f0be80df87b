"""Templates: registry, ``reglo templates``, committed files equal to regenerated ones."""
from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from reglo.addin.entrypoints.cli import main
from reglo.core.dossier import COMPANY_PARAMETERS, SHEETS, SheetData, ingest_dossier
from reglo.workbook_templates import GENERATED_DIR, TEMPLATES, build_all, discover, register_template


def _contents(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_registry_discovers_the_dossier_template():
    templates = discover()
    assert "Dossier Reglo.xlsx" in templates
    assert all(callable(b) for b in templates.values())


def test_reglo_templates_writes_every_template(tmp_path, capsys):
    assert main(["templates", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(TEMPLATES)
    assert f"{len(names)} modèle(s) écrit(s)" in capsys.readouterr().out


def test_committed_templates_match_regenerated_ones(tmp_path):
    build_all(tmp_path)
    for name in TEMPLATES:
        committed = GENERATED_DIR / name
        assert committed.exists(), f"{name} absent de {GENERATED_DIR} : lancez python -m reglo.workbook_templates.build"
        assert _contents(committed) == _contents(tmp_path / name), f"{name} a changé : lancez python -m reglo.workbook_templates.build"


def test_dossier_template_sheets_and_instructions(tmp_path):
    build_all(tmp_path)
    wb = load_workbook(tmp_path / "Dossier Reglo.xlsx")
    assert wb.sheetnames == ["Instructions", *SHEETS]
    for name, headers in SHEETS.items():
        assert [c.value for c in wb[name][1]] == headers
    assert [wb["Société"].cell(i, 1).value for i in range(2, 2 + len(COMPANY_PARAMETERS))] == COMPANY_PARAMETERS
    assert "dossier.xlsx" in " ".join(str(c.value) for c in wb["Instructions"]["A"])
    kinds = [dv for dv in wb["Tiers"].data_validations.dataValidation if "Fournisseur" in (dv.formula1 or "")]
    assert kinds
    # the empty template reads as a dossier whose company is still to fill in (no crash)
    data = {}
    for name in SHEETS:
        rows = list(wb[name].iter_rows(values_only=True))
        headers = [str(h) for h in rows[0]]
        data[name] = SheetData(name, headers, [(i, dict(zip(headers, r))) for i, r in enumerate(rows[1:], start=2) if any(v is not None for v in r)])
    result = ingest_dossier(data)
    assert result.dossier is None and {a.code for a in result.alerts} >= {"DOSSIER_COMPANY_VALUE", "SIREN_INVALID"}


def test_a_workflow_can_register_its_own_template(tmp_path):
    def build(path: Path) -> None:
        path.write_bytes(b"x")

    register_template("Essai.xlsx", build)
    try:
        paths = build_all(tmp_path)
        assert (tmp_path / "Essai.xlsx").read_bytes() == b"x" and tmp_path / "Essai.xlsx" in paths
    finally:
        TEMPLATES.pop("Essai.xlsx")
