"""Demo step 0: generate the demo dossier (dossier.xlsx + FEC) and check it reads back cleanly."""
from __future__ import annotations

from typing import Any

from reglo.core.alerts import Severity

ORDER = 0
TITLE = "Dossier de démonstration"


def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def run(ctx: Any) -> list[str]:
    from reglo.addin.shell.dossier import load_dossier, write_dossier
    from reglo.addin.shell.register import REGISTER_FILE
    from reglo.core.demo import generate_demo

    demo = generate_demo()
    paths = write_dossier(ctx.out_dir, demo.dossier, demo.ledger_frame)
    ctx.dossier_path, ctx.fec_path = paths["dossier"], paths["fec"]
    ctx.register_path = ctx.out_dir / REGISTER_FILE
    ctx.data["demo"] = demo
    loaded = load_dossier(ctx.out_dir)
    ctx.data["loaded_dossier"] = loaded
    blocking = sum(1 for a in loaded.alerts if a.severity == Severity.BLOCKING)
    warnings = len(loaded.alerts) - blocking
    ctx.blocking += blocking

    d, frame, s = demo.dossier, demo.ledger_frame, demo.stats
    c = d.company
    mandates = sum(len(p.mandates) for p in d.parties)
    siren = f"{c.siren[:3]} {c.siren[3:6]} {c.siren[6:]}"
    invoices = sum(1 for i in d.invoices if not i.is_credit_note)
    lines = [
        f"{c.legal_name} (SIREN {siren}), exercice du {c.fiscal_year_start:%d/%m/%Y} au {c.fiscal_year_end:%d/%m/%Y}",
        f"{ctx.dossier_path.name} : {len(d.customers)} clients, {len(d.suppliers)} fournisseurs, {mandates} mandats SEPA, "
        f"{len(d.job_sites)} chantiers, {_n(invoices)} factures et {len(d.invoices) - invoices} avoirs de vente",
        f"{ctx.fec_path.name} : {_n(len(frame))} lignes, {_n(s['entries'])} écritures, journaux {', '.join(sorted(frame['journal_code'].unique()))} ; "
        f"{_n(s['lettered_lines'])} lignes lettrées ({_n(s['groups'])} lettrages), {_n(s['unlettered_party_lines'])} lignes de tiers non lettrées",
    ]
    if blocking or warnings:
        lines.append(f"Relecture du dossier : {blocking} alerte(s) bloquante(s), {warnings} avertissement(s)")
        lines += [f"  {a}" for a in loaded.alerts[:10]]
    else:
        lines.append("Relecture du dossier et contrôle du FEC : aucune alerte")
    return lines
