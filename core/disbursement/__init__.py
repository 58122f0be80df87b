"""Multi-supplier disbursement wizard (décaissement multi-fournisseurs): a pure state machine.

``start_run`` builds the state of step 1; ``apply(state, action)`` returns the next state
and the alerts; ``Undo`` restores the previous snapshot (one level). See
``reglo.core.disbursement.actions`` for the list of actions and docs/disbursement.md for
the user guide.
"""
from reglo.core.disbursement.actions import ACTION_ADAPTER, ACTION_LOG_ADAPTER, apply, replay, start_run
from reglo.core.disbursement.circuit import STANDARD
from reglo.core.disbursement.models import RunState

__all__ = ["ACTION_ADAPTER", "ACTION_LOG_ADAPTER", "apply", "replay", "start_run", "STANDARD", "RunState"]
