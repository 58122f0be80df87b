"""Ribbon group « LCR et TVA »: LCR magnétique (Transfert, Continuer, dévalidations of LCR and
direct-debit lines, rejet),
the remittance slips (sheet and PDF) and « TVA sur encaissements ». Plain functions of a
workbook (see handlers/__init__); the work is in ``reglo.addin.shell.lcr`` and
``reglo.addin.shell.vat``."""
from __future__ import annotations

from typing import Any

from reglo.addin.entrypoints.handlers import HandlerResult, handler

GROUP = "LCR et TVA"


@handler("lcr_transfer", label="Transfert LCR", group=GROUP, image="ImportExcel", order=10)
def lcr_transfer(book: Any, *, dossier: Any = None) -> HandlerResult:
    """« Gestion des LCR »: one row per customer of the lines in mode LCR."""
    from reglo.addin.shell.lcr import transfer_lcr

    return transfer_lcr(book, dossier=dossier)


@handler("lcr_preview", label="Aperçu LCR", group=GROUP, image="FilePrintPreview", order=15)
def lcr_preview(book: Any, *, dossier: Any = None) -> HandlerResult:
    """The file as it would be written (read back) and the provisional journal; nothing written."""
    from reglo.addin.shell.lcr import preview_lcr

    return preview_lcr(book, dossier=dossier)


@handler("lcr_continue", label="Continuer (fichier LCR)", group=GROUP, image="FileSaveAs", order=20)
def lcr_continue(book: Any, *, dossier: Any = None) -> HandlerResult:
    """CFONB 160 file, treasury entries, register; the file read back and the slip."""
    from reglo.addin.shell.lcr import continue_lcr

    return continue_lcr(book, dossier=dossier)


@handler("lcr_slip", label="Bordereau LCR", group=GROUP, image="FilePrintPreview", order=30)
def lcr_slip(book: Any, *, dossier: Any = None, pdf: bool = True) -> HandlerResult:
    from reglo.addin.shell.lcr import slip

    return slip(book, kind="lcr", pdf=pdf, dossier=dossier)


@handler("debits_slip", label="Bordereau prélèvements", group=GROUP, image="FilePrintPreview", order=35)
def debits_slip(book: Any, *, dossier: Any = None, pdf: bool = True) -> HandlerResult:
    from reglo.addin.shell.lcr import slip

    return slip(book, kind="prelevement", pdf=pdf, dossier=dossier)


@handler("lcr_unvalidate_line", label="Dévalider la ligne en cours", group=GROUP, image="Undo", order=40)
def lcr_unvalidate_line(book: Any, *, dossier: Any = None, key: str | None = None) -> HandlerResult:
    """The selected line of « Détail », LCR or direct debit (from its « Mode »)."""
    from reglo.addin.shell.lcr import current_line, line_kind, unvalidate

    key = key or current_line(book)[0]
    return unvalidate(book, "ligne", key=key, kind=line_kind(book, key), dossier=dossier)


@handler("lcr_unvalidate_customer", label="Dévalider toutes les lignes du client", group=GROUP, image="Undo", order=50)
def lcr_unvalidate_customer(book: Any, *, dossier: Any = None, customer: str | None = None) -> HandlerResult:
    """Every LCR and direct-debit line of the customer."""
    from reglo.addin.shell.lcr import current_line, unvalidate

    return unvalidate(book, "client", party=customer or current_line(book)[1], kind="tous", dossier=dossier)


@handler("lcr_unvalidate_all", label="Dévalider TOUS les clients", group=GROUP, image="ClearAll", order=60)
def lcr_unvalidate_all(book: Any, *, dossier: Any = None, confirmations: int | None = None) -> HandlerResult:
    """Every LCR and direct-debit line; two confirmations (« Oui » twice in « Paramètres
    LCR »), as the seed asks."""
    from reglo.addin.shell.lcr import ask_confirmations, unvalidate

    given = confirmations if confirmations is not None else ask_confirmations(book)
    return unvalidate(book, "tous", confirmations=given, kind="tous", dossier=dossier)


@handler("lcr_reject", label="Rejet d'une remise LCR", group=GROUP, image="Delete", order=70)
def lcr_reject(book: Any, *, dossier: Any = None, reference: str | None = None) -> HandlerResult:
    """The remittance named in « Paramètres LCR » (« Remise rejetée », « Motif du rejet »)."""
    from reglo.addin.shell.lcr import reject, reject_request

    ref, reason = reject_request(book)
    return reject(book, reference=reference or ref, reason=reason, dossier=dossier)


@handler("vat_receipts", label="TVA sur encaissements", group=GROUP, image="AccountMenu", order=80)
def vat_receipts(book: Any, *, dossier: Any = None) -> HandlerResult:
    """CA3 sheet, allocations and « Données d'encaissement » (sheet + CSV)."""
    from reglo.addin.shell.vat import vat_receipts as run

    return run(book, dossier=dossier)
