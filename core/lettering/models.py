"""Results of the lettering engine (pydantic, frozen): options, proposals, runs, evaluation."""
from __future__ import annotations

from typing import NamedTuple
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from reglo.core.alerts import Alert
from reglo.core.models import Entry
from reglo.core.money import CENT, ZERO, Money


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
    k: int = Field(default=6, ge=1, le=12)  # at most k lines on the "many" side of a combination
    date_window_days: int = Field(default=400, ge=0)  # lines further apart are not put together
    tolerance: Money = ZERO  # payment difference accepted, booked by a write-off entry
    write_off_charge_account: str = "658000"  # écart de règlement en charge (customer paid less)
    write_off_income_account: str = "758000"  # écart de règlement en produit (customer paid more)
    write_off_journal: str = "OD"
    budget: int = Field(default=50_000, ge=0)  # work units of the combination pass per account
    target_budget: int = Field(default=4_000, ge=0)  # … per line searched for (one search cannot eat the account's budget)
    candidates: int = Field(default=40, ge=2)  # nearest open lines examined per combination target
    reletter: bool = False  # strip existing complete letters of the scope first (asked explicitly)

    @property
    def tolerance_cents(self) -> int:
        return int(self.tolerance / CENT)


class LetteringGroup(NamedTuple):
    """One proposed lettering: lines of one account that cancel out (or a partial one).

    An immutable NamedTuple (as beancount's directives) rather than a pydantic model: a large
    ledger yields 150,000+ groups, built from values the engine already checked, and model
    construction would dominate the run. The containers (proposal, run, evaluation) are pydantic.
    """

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
    open_amount: Decimal = ZERO  # partial: what is still open (signed: debit - credit)
    gap: Decimal = ZERO  # tolerance: debit - credit of the lines, booked by ``write_off``
    write_off: Entry | None = None
    total_debit: Decimal = ZERO
    total_credit: Decimal = ZERO
    z: float = 0.0  # plausibility log-odds behind ``confidence`` (score = 100 / (1 + e^-z))
    margin: float = 0.0  # how much worse the best assignment of the account without this group is

    @property
    def applied_by_default(self) -> bool:
        return not self.ambiguous

    def with_code(self, code: str) -> "LetteringGroup":
        return self._replace(code=code)

    def alternative_texts(self) -> list[str]:
        """Each alternative in French, naming only what would change: the lines that would come
        in and the lines of this group they would replace (lines shared with the group are not
        repeated), e.g. « ligne 7 au lieu de la ligne 5 »."""
        mine = set(self.rows)
        out: list[str] = []
        for alt in self.alternatives:
            other = set(alt)
            enter, leave = sorted(other - mine), sorted(mine - other)
            if not enter:
                continue
            text = _lines(enter)
            if leave:
                text += " au lieu " + ("de la " if len(leave) == 1 else "des ") + _lines(leave)
            if text not in out:
                out.append(text)
        return out


def _lines(rows: list[int]) -> str:
    return ("ligne " if len(rows) == 1 else "lignes ") + ", ".join(str(r) for r in rows)


class LetteringProposal(_Model):
    groups: SkipValidation[tuple[LetteringGroup, ...]]
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


class AppliedGroup(NamedTuple):
    """One group a run wrote, with what its lines carried before (to undo exactly)."""

    account: str
    code: str
    rows: tuple[int, ...]
    # the values before the run, aligned with ``rows``
    previous_codes: tuple[str, ...]
    previous_dates: tuple[date | None, ...]
    rule: Rule | None = None  # None: a lettering found in the file, not made by a recorded run
    added_rows: tuple[int, ...] = ()  # write-off lines the run added
    score: int | None = None  # the group's score (0-100) when the engine formed it
    reason: str = ""  # its deciding features, in French (the « Motif » of the proposals sheet)

    def to_json(self) -> dict:
        out = {"account": self.account, "code": self.code, "rule": self.rule.value if self.rule else None, "rows": list(self.rows),
               "previous_codes": list(self.previous_codes),
               "previous_dates": [d.isoformat() if d else None for d in self.previous_dates], "added_rows": list(self.added_rows)}
        if self.score is not None:
            out["score"] = self.score
        if self.reason:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_json(cls, data: dict) -> "AppliedGroup":
        return cls(account=str(data["account"]), code=str(data["code"]), rows=tuple(int(r) for r in data["rows"]),
                   previous_codes=tuple(str(c) for c in data["previous_codes"]),
                   previous_dates=tuple(date.fromisoformat(d) if d else None for d in data["previous_dates"]),
                   rule=Rule(data["rule"]) if data.get("rule") else None, added_rows=tuple(int(r) for r in data.get("added_rows", ())),
                   score=int(data["score"]) if data.get("score") is not None else None, reason=str(data.get("reason", "")))


class LetteringRun(_Model):
    """What one « Appliquer » changed: enough to undo it exactly (délettrage)."""

    run_id: str
    created_at: str = ""
    lettered_on: date | None = None
    groups: SkipValidation[tuple[AppliedGroup, ...]] = ()

    def to_json(self) -> dict:
        return {"run_id": self.run_id, "created_at": self.created_at, "lettered_on": self.lettered_on.isoformat() if self.lettered_on else None,
                "groups": [g.to_json() for g in self.groups]}

    @classmethod
    def from_json(cls, data: dict) -> "LetteringRun":
        on = data.get("lettered_on")
        return cls(run_id=str(data["run_id"]), created_at=str(data.get("created_at", "")), lettered_on=date.fromisoformat(on) if on else None,
                   groups=tuple(AppliedGroup.from_json(g) for g in data.get("groups", ())))


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


class BandScore(_Model):
    """Precision of the proposed groups (applied or not) whose score falls in [low, high]."""

    low: int
    high: int
    groups: int
    applied: int  # … of which applied automatically
    exact_groups: int
    pairs: int
    correct_pairs: int

    @property
    def pair_precision(self) -> float:
        return self.correct_pairs / self.pairs if self.pairs else 1.0

    @property
    def group_precision(self) -> float:
        return self.exact_groups / self.groups if self.groups else 1.0


SCORE_BANDS = ((0, 49), (50, 69), (70, 79), (80, 89), (90, 94), (95, 98), (99, 100))


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
    per_band: tuple[BandScore, ...] = ()  # every complete proposal by score band: where to put the threshold

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
    "AppliedGroup", "BandScore", "Evaluation", "SCORE_BANDS", "LetteringGroup", "LetteringOptions", "LetteringProposal", "LetteringRun",
    "RULE_LABELS", "Rule", "RuleScore", "Decimal",
]
