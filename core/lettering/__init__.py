"""Automatic lettering (lettrage automatique): matching the debit and credit lines of one
account so that they cancel out. See ``docs/lettering.md``.

Pure functions over a ledger frame (``reglo.core.ledger``): ``propose_lettering`` →
``apply_lettering`` → ``undo_lettering``; ``evaluate_lettering`` measures the engine against the
letters already in a ledger.
"""
from reglo.core.lettering.codes import code_at, code_rank, is_partial_code, next_codes
from reglo.core.lettering.engine import (
    ApplyResult,
    UndoResult,
    account_keys,
    apply_lettering,
    letter,
    propose_lettering,
    scope_mask,
    undo_lettering,
)
from reglo.core.lettering.evaluate import evaluate_lettering, original_groups
from reglo.core.lettering.models import (
    RULE_LABELS,
    SCORE_BANDS,
    AppliedGroup,
    BandScore,
    Evaluation,
    LetteringGroup,
    LetteringOptions,
    LetteringProposal,
    LetteringRun,
    Rule,
    RuleScore,
)
from reglo.core.lettering.refs import normalise_ref, ref_tokens

__all__ = [
    "RULE_LABELS", "SCORE_BANDS", "AppliedGroup", "BandScore", "ApplyResult", "Evaluation", "LetteringGroup", "LetteringOptions", "LetteringProposal",
    "LetteringRun", "Rule", "RuleScore", "UndoResult", "account_keys", "apply_lettering", "code_at", "code_rank",
    "evaluate_lettering", "is_partial_code", "letter", "next_codes", "normalise_ref", "original_groups", "propose_lettering",
    "ref_tokens", "scope_mask", "undo_lettering",
]
