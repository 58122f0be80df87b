"""The shipped « STANDARD » circuit (circuit de décaissement).

A circuit lists the state changes used by the wizard: from an entry state (effet à
payer, chèque en attente C10, ...) to a payment mode, then to the prepared and issued
states. The seed's rule: with no rule for C10 in the circuit, the cheques waiting
(chèques en attente) do not appear at step 2.
"""
from __future__ import annotations

from reglo.core.disbursement.models import Circuit, Transition

STANDARD = Circuit(
    code="STANDARD",
    label="Circuit standard",
    transitions=(
        Transition(entry_state="A10", label="Effet à payer par virement", payment_mode="VIR", prepared_state="A20", issued_state="A30"),
        Transition(entry_state="I10", label="Virement international à payer", payment_mode="VIRINT", prepared_state="I20", issued_state="I30"),
        Transition(entry_state="C10", label="Chèque en attente", payment_mode="CHQ", prepared_state="C20", issued_state="C30"),
        Transition(entry_state="L10", label="LCR à payer", payment_mode="LCR", prepared_state="L20", issued_state="L30"),
    ),
)

CIRCUITS: dict[str, Circuit] = {STANDARD.code: STANDARD}

#: Payment modes written as SEPA credit transfers (pain.001) when in euros.
TRANSFER_MODES = frozenset({"VIR"})
#: Payment modes printed on a cheque list.
CHEQUE_MODES = frozenset({"CHQ"})

MODE_LABELS = {"VIR": "Virement", "VIRINT": "Virement international", "CHQ": "Chèque", "LCR": "LCR"}


def mode_label(mode: str) -> str:
    return MODE_LABELS.get(mode, mode)


def prepared_states(circuit: Circuit) -> dict[str, str]:
    """Prepared state → payment mode (items prepared by an earlier run)."""
    return {t.prepared_state: t.payment_mode for t in circuit.transitions}


def issued_states(circuit: Circuit) -> dict[str, str]:
    return {t.issued_state: t.payment_mode for t in circuit.transitions}


def mode_states(circuit: Circuit) -> dict[str, tuple[str, str]]:
    """Payment mode → (prepared state, issued state), first rule of the mode wins."""
    out: dict[str, tuple[str, str]] = {}
    for t in circuit.transitions:
        out.setdefault(t.payment_mode, (t.prepared_state, t.issued_state))
    return out
