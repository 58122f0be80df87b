"""Ribbon group « Prélèvements »: Préparer, Contrôler, Aperçu, Générer, and the allocation
actions. Plain functions of a workbook (see handlers/__init__); the work is in
``reglo.addin.shell.debits`` (workbook side, commit protocol) and ``reglo.core.debits``."""
from __future__ import annotations

from typing import Any

from reglo.addin.entrypoints.handlers import HandlerResult, handler

GROUP = "Prélèvements"


@handler("debits_prepare", label="Préparer", group=GROUP, image="ImportExcel", order=10)
def debits_prepare(book: Any, *, dossier: Any = None) -> HandlerResult:
    """Checks, then the customers sheet, « Détail », « Répartition » and the editions."""
    from reglo.addin.shell.debits import prepare_debits

    return prepare_debits(book, dossier=dossier)


@handler("debits_check", label="Contrôler", group=GROUP, image="AcceptInvitation", order=20)
def debits_check(book: Any, *, dossier: Any = None) -> HandlerResult:
    """« Édition des erreurs » and « Édition compte sans tiers »."""
    from reglo.addin.shell.debits import check_debits

    return check_debits(book, dossier=dossier)


@handler("debits_preview", label="Aperçu", group=GROUP, image="FilePrintPreview", order=30)
def debits_preview(book: Any, *, dossier: Any = None, mode: str = "Prélèvement") -> HandlerResult:
    """The bank file as it would be generated, read back from its XML."""
    from reglo.addin.shell.debits import preview_debits

    return preview_debits(book, mode=mode, dossier=dossier)


@handler("debits_preview_none", label="Aperçu non affectés", group=GROUP, image="FilePrintPreview", order=35)
def debits_preview_none(book: Any, *, dossier: Any = None) -> HandlerResult:
    """Lines of mode Aucun by customer, with subtotals."""
    from reglo.addin.shell.debits import preview_debits

    return preview_debits(book, mode="Aucun", dossier=dossier)


@handler("debits_generate", label="Générer", group=GROUP, image="FileSaveAs", order=40)
def debits_generate(book: Any, *, dossier: Any = None) -> HandlerResult:
    """pain.008 (XSD-validated), entries, lettering, register: committed together."""
    from reglo.addin.shell.debits import generate_debits

    return generate_debits(book, dossier=dossier)


@handler("debits_do_not_collect", label="Ne pas régler les clients sélectionnés", group=GROUP, image="Delete", order=50)
def debits_do_not_collect(book: Any, *, dossier: Any = None) -> HandlerResult:
    from reglo.addin.shell.debits import action_debits

    return action_debits(book, "ne-pas-regler", dossier=dossier)


@handler("debits_change_bank", label="Changer la banque dossier", group=GROUP, image="AccountMenu", order=60)
def debits_change_bank(book: Any, *, dossier: Any = None, bank: str | None = None) -> HandlerResult:
    from reglo.addin.shell.debits import action_debits

    return action_debits(book, "changer-banque", bank=bank, dossier=dossier)


@handler("debits_remove_all", label="Retirer toutes les affectations", group=GROUP, image="ClearAll", order=70)
def debits_remove_all(book: Any, *, dossier: Any = None, confirm: bool = False) -> HandlerResult:
    from reglo.addin.shell.debits import action_debits

    return action_debits(book, "retirer-tout", confirm=confirm, dossier=dossier)
