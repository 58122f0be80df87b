"""Demo step 30: automatic lettering (lettrage) of the demo FEC.

1. Self-evaluation: the accountant's letters of 411/401 are removed in memory, the engine
   re-letters, and its groups are compared with the original ones (precision, recall, per rule).
2. Proposals on the FEC as it stands (what is still open), written to the workbook
   « Propositions de lettrage.xlsx » for review; the FEC itself is not changed by the demo.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

ORDER = 30
TITLE = "Lettrage automatique"
WORKBOOK = "Propositions de lettrage.xlsx"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %".replace(".", ",")


def _frame(ctx: Any):
    from reglo.addin.shell.lettering import read_ledger

    if ctx.fec_path is not None and ctx.fec_path.exists():
        return read_ledger(ctx.fec_path).frame, ctx.fec_path
    from reglo.core.demo import generate_demo

    demo = ctx.data.get("demo") or generate_demo()
    return demo.ledger_frame, ctx.out_dir / "FEC.txt"


def run(ctx: Any) -> list[str]:
    from reglo.addin.shell.lettering import write_proposals
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.core.lettering import RULE_LABELS, LetteringOptions, Rule, evaluate_lettering, propose_lettering
    from reglo.core.money import format_display

    frame, fec_path = _frame(ctx)
    options = LetteringOptions(tolerance="1.00")
    ev, _ = evaluate_lettering(frame, options)
    per_rule = ", ".join(f"{RULE_LABELS[Rule(s.rule)].lower()} {s.groups} ({_pct(s.group_precision)} justes)" for s in ev.per_rule if s.groups)
    lines = [
        f"Auto-évaluation sur 411/401 : {ev.exact_groups}/{ev.original_groups} lettrages d'origine retrouvés à l'identique "
        f"(rappel {_pct(ev.group_recall)}), précision {_pct(ev.group_precision)} ; paires : rappel {_pct(ev.pair_recall)}, "
        f"précision {_pct(ev.pair_precision)}",
        f"  par règle : {per_rule}",
        f"  montants uniques 1-1 : {ev.unique_exact_originals} groupe(s), {ev.unique_exact_wrong} erreur(s) ; "
        f"{ev.ambiguous_groups} proposition(s) ambiguë(s) laissée(s) à l'utilisateur",
    ]
    proposal = propose_lettering(frame, options)
    book = FileWorkbook(ctx.out_dir / WORKBOOK, create=True)
    write_proposals(book, proposal, frame, options, fec_path)
    book.save()
    partial = [g for g in proposal.groups if g.partial]
    open_total = sum((abs(g.open_amount) for g in partial), Decimal("0.00"))
    lines.append(f"Propositions sur le FEC tel quel : {len(proposal.groups)} groupe(s) sur {proposal.open_lines} ligne(s) ouverte(s) "
                 f"({len(partial)} lettrage(s) partiel(s), reste ouvert {format_display(open_total)}) → {WORKBOOK}")
    ctx.data["lettering_evaluation"] = ev
    return lines
