"""Ribbon group « Import d'écritures »: Définition d'import, Importer les écritures.

Plain functions of a workbook (``xw.Book`` or ``Workbook``); the rules are in
``reglo.core.entry_import``, the workbook and file side in ``reglo.addin.shell.entry_import``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reglo.addin.entrypoints.handlers import HandlerResult, handler
from reglo.addin.backends.sheets import Column, as_workbook

GROUP = "Import d'écritures"
CONTROL_SHEET = "Contrôle import"


def _folder_of(book: Any, wb: Any) -> Path | None:
    path = getattr(wb, "path", None)
    if path:
        return Path(path).parent
    full = getattr(book, "fullname", None)
    if isinstance(full, str) and ("/" in full or "\\" in full):
        return Path(full).parent
    return None


@handler("entry_import_definition", label="Définition d'import", group=GROUP, image="TableProperties", order=10)
def entry_import_definition(book: Any) -> HandlerResult:
    """Create the « Définition d'import » sheet (ready-made layout) or check and rewrite it."""
    from reglo.addin.shell import entry_import as ei
    from reglo.core.entry_import import check_definition
    from reglo.core.entry_import.layout import preset_sales_vat_on_line

    wb = as_workbook(book)
    created = ei.DEFINITION_SHEET not in wb.sheet_names()
    sd = ei.SheetDefinition(preset_sales_vat_on_line()) if created else ei.read_definition_sheet(wb)
    ei.write_definition_sheet(wb, sd.definition, input_file=sd.input_file, output_dir=sd.output_dir)
    if ei.DATA_SHEET not in wb.sheet_names() and not sd.input_file:
        wb.write_sheet(ei.DATA_SHEET, [Column(h, "@", 16) for h in sd.definition.required_headers()], [])
    alerts = check_definition(sd.definition)
    wb.save()
    what = "créée (modèle « ventes, TVA sur la ligne de produit »)" if created else "relue et réécrite"
    verdict = "utilisable" if not alerts else f"{len(alerts)} problème(s) à corriger"
    return HandlerResult(f"Feuille « {ei.DEFINITION_SHEET} » {what} : {verdict}.", alerts)


def _dossier_near(*folders: Path | None) -> Path | None:
    """The Reglo dossier a workbook or an output folder belongs to: ``REGLO_DOSSIER`` when it
    holds the dossier workbook (as for the other buttons), else the first of ``folders``, or of
    their parents, that holds it."""
    from reglo.addin.shell.dossier import DOSSIER_FILE

    env = os.environ.get("REGLO_DOSSIER", "").strip()
    if env and (Path(env) / DOSSIER_FILE).is_file():
        return Path(env)
    for folder in folders:
        if folder is None:
            continue
        for candidate in (folder, *list(folder.resolve().parents)[:2]):
            if (candidate / DOSSIER_FILE).is_file():
                return candidate
    return None


@handler("entry_import_run", label="Importer les écritures", group=GROUP, image="ImportTextFile", order=20)
def entry_import_run(book: Any, *, out_dir: str | Path | None = None, company: str | None = None, dossier: str | Path | None = None) -> HandlerResult:
    """Lines (sheet « Lignes à importer » or the file named in the definition) → entries.

    Writes « Écritures importées », « Rejets » and « Résumé import » in the workbook and,
    when a folder is known (definition, ``out_dir`` or the workbook's folder), one FEC per
    company and the rejects file (xlsx and csv).

    As ``reglo entries import --dossier``: when the workbook or the output folder is in a Reglo
    dossier (``dossier``, else the folder, or one of its two parents, holding the dossier
    workbook), its SIREN and closing date name the FEC, its labels fill the entries, its FEC's
    last entry numbers are continued, and the run is recorded in its register.
    """
    from reglo.addin.shell import entry_import as ei

    wb = as_workbook(book)
    sd = ei.read_definition_sheet(wb)
    d = sd.definition
    if sd.input_file:
        inp = ei.read_input(sd.input_file, d)
        stem = Path(sd.input_file).stem
    else:
        if ei.DATA_SHEET not in wb.sheet_names():
            from reglo.addin.shell.errors import UserError

            raise UserError(f"Aucune ligne à importer : remplissez la feuille « {ei.DATA_SHEET} » ou indiquez le « Fichier à importer » dans la feuille « {ei.DEFINITION_SHEET} ».")
        inp = ei.rows_from_values(wb.read_values(ei.DATA_SHEET), d, name=ei.DATA_SHEET)
        stem = "Lignes à importer"
    folder = Path(out_dir) if out_dir else Path(sd.output_dir) if sd.output_dir else _folder_of(book, wb)
    home = Path(dossier) if dossier else _dossier_near(folder, _folder_of(book, wb))
    siren, closing, context = ei.dossier_context(home) if home is not None else (None, None, None)
    result = ei.run_import(inp, d, company=company, context=context)
    extra = ei.formula_text_alerts(result, sheet=inp.raw.sheet)
    if result.table.num_rows:
        extra = ei.fec_name_alerts(ei.fec_names(result, ei._with_company(d, company), siren=siren, closing=closing)) + extra
    ei.write_result_sheets(wb, inp, result, extra_alerts=extra)
    if not sd.input_file:  # the lines are in this workbook: mark the cells in error (red / yellow, notes)
        from reglo.addin.backends.paint import paint_alerts

        summary = [("Lignes lues", result.summary.lines_read), ("Acceptées", result.summary.lines_accepted), ("Rejetées", result.summary.lines_rejected)]
        paint_alerts(wb, list(result.alerts), owner="entry_import", control_sheet=CONTROL_SHEET, title="Contrôle de l'import d'écritures", summary=summary)
    outputs: list[str] = []
    if folder is not None:
        outputs = [str(p) for p in ei.write_outputs(inp, result, ei._with_company(d, company), folder, stem=stem, siren=siren, closing=closing,
                                                    extra_alerts=extra, dossier=home)]
    wb.save()
    return HandlerResult("\n".join(result.summary.lines_fr()), list(result.alerts) + extra, outputs)
