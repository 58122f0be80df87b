"""Ribbon group « Virements fournisseurs »: Importer, Afficher, Générer le fichier,
Annuler un fichier. Plain functions of a workbook (see addin/handlers); the work is in
``reglo.addin.shell.transfers`` (workbook side) and ``reglo.core.transfers`` (rules)."""
from __future__ import annotations

from typing import Any

from reglo.addin.entrypoints.handlers import HandlerResult, handler

GROUP = "Virements fournisseurs"


@handler("transfers_import", label="Importer", group=GROUP, image="ImportExcel", order=10)
def transfers_import(book: Any, *, dossier: Any = None) -> HandlerResult:
    """Unlettered supplier lines of the period → « Prévisualisation virements »."""
    from reglo.addin.shell.transfers import import_transfers

    return import_transfers(book, dossier=dossier)


@handler("transfers_show", label="Afficher", group=GROUP, image="ViewsLayoutView", order=20)
def transfers_show(book: Any, *, dossier: Any = None) -> HandlerResult:
    """The preview again, without re-importing (edits kept, every beneficiary listed)."""
    from reglo.addin.shell.transfers import show_transfers

    return show_transfers(book, dossier=dossier)


@handler("transfers_generate", label="Générer le fichier", group=GROUP, image="FileSaveAs", order=30)
def transfers_generate(book: Any, *, dossier: Any = None, out_dir: Any = None) -> HandlerResult:
    """Checked selection → SEPA file (XSD-validated), register, « Virements », « Écritures »."""
    from reglo.addin.shell.transfers import generate_transfers

    return generate_transfers(book, dossier=dossier, out_dir=out_dir)


@handler("transfers_cancel", label="Annuler un fichier", group=GROUP, image="Delete", order=40)
def transfers_cancel(book: Any, *, dossier: Any = None, reference: str | None = None, reason: str | None = None) -> HandlerResult:
    """Cancel a file in the register (bank reject): its invoices become payable again."""
    from reglo.addin.shell.transfers import cancel_transfer_file

    return cancel_transfer_file(book, reference=reference, reason=reason, dossier=dossier)
