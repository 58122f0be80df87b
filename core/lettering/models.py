"""Results of the lettering engine (pydantic, frozen): options, proposals, runs, evaluation."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from core.alerts import Alert
from core.models import Entry
from core.money import CENT, ZERO, Money


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(StrEnum):
    """The pass that formed a group (shown in French by ``RULE_LABELS``)."""

    REFERENCE = "reference"
    EXACT = "exact_amount"
    COMBINATION = "combination"
    BALANCE = "account_balance"
    TOLERANCE = "tolerance"
    PARTIAL = "partial"


RULE_LABELS = {
    Rule.REFERENCE: "Référence",
    Rule.EXACT: "Montant exact",
    Rule.COMBINATION: "Combinaison",
    Rule.BALANCE: "Solde du compte",
    Rule.TOLERANCE: "Écart toléré",
    Rule.PARTIAL: "Partiel",
}


class LetteringOptions(_Model):
    """Parameters of a lettering run. Every gap accepted is explicit (``tolerance``)."""

    roots: tuple[str, ...] = ("411", "401")
    k: int = Field(default=5, ge=1, le=12)  # at most k lines on the "many" side of a combination
    date_window_days: int = Field(default=400, ge=0)  # lines further apart are not put together
    tolerance: Money = ZERO  # payment difference accepted, booked by a write-off entry
    write_off_charge_account: str = "658000"  # écart de règlement en charge (customer paid less)
    write_off_income_account: str = "758000"  # écart de règlement en produit (customer paid more)
    write_off_journal: str = "OD"
    budget: int = Field(default=60_000, ge=0)  # work units of the combination pass per account
    candidates: int = Field(default=40, ge=2)  # nearest open lines examined per combination target
    reletter: bool = False  # strip existing complete letters of the scope first (asked explicitly)

    @property
    def tolerance_cents(self) -> int:
        return int(self.tolerance / CENT)


class LetteringGroup(_Model):
    """One proposed lettering: lines of one account that cancel out (or a partial one)."""

    group_id: int
    account: str  # auxiliary account when present, else general account
    ledger_account: str
    code: str  # proposed code, upper case (lower case when partial)
    rows: tuple[int, ...]  # source rows (FEC line numbers / Excel rows), sorted
    rule: Rule
    reason: str  # French: why these lines go together
    confidence: int  # 0-100
    ambiguous: bool = False  # never applied automatically
    alternatives: tuple[tuple[int, ...], ...] = ()
    partial: bool = False
    open_amount: Money = ZERO  # partial: what is still open (signed: debit - credit)
    gap: Money = ZERO  # tolerance: debit - credit of the lines, booked by ``write_off``
    write_off: Entry | None = None
    total_debit: Money = ZERO
    total_credit: Money = ZERO

    @property
    def applied_by_default(self) -> bool:
        return not self.ambiguous


class LetteringProposal(_Model):
    groups: tuple[LetteringGroup, ...]
    alerts: tuple[Alert, ...] = ()
    scope_lines: int = 0
    open_lines: int = 0
    accounts: int = 0
    budget_exceeded: tuple[str, ...] = ()  # accounts whose combination search stopped on its budget
    work: int = 0  # combination work units spent
    reletter: bool = False  # complete letterings of the scope were put back in play (asked explicitly)

    def by_rule(self) -> dict[Rule, int]:
        out = {r: 0 for r in Rule}
        for g in self.groups:
            out[g.rule] += 1
        return out


class PreviousValue(_Model):
    source_row: int
    lettering_code: str
    lettered_on: date | None = None


class AppliedGroup(_Model):
    account: str
    code: str
    rule: Rule | None = None  # None: a lettering found in the file, not made by a recorded run
    rows: tuple[int, ...]
    previous: tuple[PreviousValue, ...]  # the values before the run, to undo exactly
    added_rows: tuple[int, ...] = ()  # write-off lines the run added


class LetteringRun(_Model):
    """What one « Appliquer » changed: enough to undo it exactly (délettrage)."""

    run_id: str
    created_at: str = ""
    lettered_on: date | None = None
    groups: tuple[AppliedGroup, ...] = ()


class RuleScore(_Model):
    rule: str
    groups: int
    exact_groups: int  # groups identical to an original group
    pairs: int
    correct_pairs: int

    @property
    def group_precision(self) -> float:
        return self.exact_groups / self.groups if self.groups else 1.0

    @property
    def pair_precision(self) -> float:
        return self.correct_pairs / self.pairs if self.pairs else 1.0


class Evaluation(_Model):
    """``--evaluate``: the engine's groups against the accountant's original groups."""

    original_groups: int
    original_pairs: int
    proposed_groups: int  # complete groups that would be applied (not ambiguous, not partial)
    exact_groups: int  # proposed groups identical to an original group
    proposed_pairs: int
    correct_pairs: int
    ambiguous_groups: int
    partial_groups: int
    unique_exact_originals: int  # original 1-1 groups whose amount was unique in the account
    unique_exact_wrong: int  # … of which a line ended in a different proposed group
    per_rule: tuple[RuleScore, ...]
    ignored_original_groups: int = 0  # unbalanced / reused codes: not a ground truth

    @property
    def group_recall(self) -> float:
        return self.exact_groups / self.original_groups if self.original_groups else 1.0

    @property
    def group_precision(self) -> float:
        return self.exact_groups / self.proposed_groups if self.proposed_groups else 1.0

    @property
    def pair_recall(self) -> float:
        return self.correct_pairs / self.original_pairs if self.original_pairs else 1.0

    @property
    def pair_precision(self) -> float:
        return self.correct_pairs / self.proposed_pairs if self.proposed_pairs else 1.0


__all__ = [
    "AppliedGroup", "Evaluation", "LetteringGroup", "LetteringOptions", "LetteringProposal", "LetteringRun",
    "PreviousValue", "RULE_LABELS", "Rule", "RuleScore", "Decimal",
]
