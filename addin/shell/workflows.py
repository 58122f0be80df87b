"""One descriptor per workflow: everything that makes a workflow, declared in one place.

A descriptor names the workflow's pure plans (``core`` package), its shell module, its ribbon
group and buttons (handler tags), its command-line commands, the sheets « reglo check »
controls for it, its alert catalogue module, its workbook template and its demo step.
Entry points (ribbon, CLI, Lite, demo) are discovered from their modules; ``tests/test_workflows.py``
checks that every one of them belongs to exactly one declared workflow and that every
declared piece exists, so adding a workflow means its ``core/<workflow>/`` folder, its shell
module and one entry here.

The ribbon groups (:data:`RIBBON_GROUPS`) come from these descriptors, in this order.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Workflow:
    name: str
    title: str  # French, as the user sees it
    core: str  # package or module of the pure plans (``reglo.core.…``)
    shell: str | None  # shell module (``reglo.addin.shell.…``)
    ribbon_group: str | None = None
    buttons: tuple[str, ...] = ()  # handler tags, in ribbon order
    commands: tuple[str, ...] = ()  # top-level ``reglo`` commands
    catalogue: tuple[str, ...] = ()  # ``reglo.core.catalogue`` modules
    sheet_checks: tuple[str, ...] = ()  # sheets « Contrôler le classeur » knows
    template: str | None = None  # ``reglo.workbook_templates`` module
    demo_step: str | None = None  # ``reglo.addin.entrypoints.demo_steps`` module


WORKFLOWS: tuple[Workflow, ...] = (
    Workflow("foundation", "Socle : dossier, registre, complément", "reglo.core.dossier", "reglo.addin.shell.dossier",
             commands=("addin", "demo", "templates", "register"), catalogue=("foundation", "dossier", "addin", "commit", "register", "rules"),
             sheet_checks=("Tiers",), template="dossier", demo_step="s00_dossier"),
    Workflow("check", "Contrôle du classeur", "reglo.core.entry_sheet_rules", "reglo.addin.shell.checks", ribbon_group="Contrôle",
             buttons=("check",), commands=("check", "fec"), catalogue=("workbook",), sheet_checks=("Écritures",),
             demo_step="s10_check"),
    Workflow("payments", "Règlements clients", "reglo.core.payments", "reglo.addin.shell.payments", ribbon_group="Règlements clients",
             buttons=("payments_template", "payments_check", "payments_import", "payments_from_ledger"), commands=("payments",),
             catalogue=("payments",), sheet_checks=("Import règlements clients",), template="payments", demo_step="s40_payments"),
    Workflow("transfers", "Virements fournisseurs", "reglo.core.transfers", "reglo.addin.shell.transfers", ribbon_group="Virements fournisseurs",
             buttons=("transfers_import", "transfers_show", "transfers_generate", "transfers_cancel"), commands=("transfers",),
             catalogue=("transfers",), demo_step="s50_transfers"),
    Workflow("entry_import", "Import d'écritures", "reglo.core.entry_import", "reglo.addin.shell.entry_import", ribbon_group="Import d'écritures",
             buttons=("entry_import_definition", "entry_import_run"), commands=("entries",), catalogue=("entry_import",),
             template="entry_import", demo_step="s60_entries"),
    Workflow("debits", "Prélèvements clients et LCR", "reglo.core.debits", "reglo.addin.shell.debits", ribbon_group="Prélèvements",
             commands=("debits",), catalogue=("debits", "lcr"), template="debits", demo_step="s70_debits"),
    Workflow("lcr", "LCR magnétique, bordereaux et TVA sur encaissements", "reglo.core.lcr.usecases", "reglo.addin.shell.lcr", ribbon_group="LCR et TVA",
             buttons=("lcr_transfer", "lcr_preview", "lcr_continue", "lcr_slip", "debits_slip", "lcr_unvalidate_line", "lcr_unvalidate_customer", "lcr_unvalidate_all",
                      "lcr_reject", "vat_receipts"), commands=("vat",), catalogue=("lcr_shell",), demo_step="s75_lcr"),
    Workflow("disbursement", "Décaissements multi-fournisseurs", "reglo.core.disbursement", "reglo.addin.shell.disbursement",
             ribbon_group="Décaissements", commands=("disburse",), catalogue=("disbursement",), demo_step="s80_disbursement"),
    Workflow("lettering", "Lettrage", "reglo.core.lettering", "reglo.addin.shell.lettering", ribbon_group="Lettrage",
             buttons=("lettering_propose", "lettering_apply", "lettering_undo"), commands=("letter",), catalogue=("lettering",),
             demo_step="s30_lettering"),
)

RIBBON_GROUPS: tuple[str, ...] = tuple(w.ribbon_group for w in WORKFLOWS if w.ribbon_group)


def by_name(name: str) -> Workflow:
    return next(w for w in WORKFLOWS if w.name == name)


def workflow_of_group(group: str) -> Workflow:
    return next(w for w in WORKFLOWS if w.ribbon_group == group)
