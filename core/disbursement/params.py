"""Step 1 parameters saved and restored per user (« Sauvegarder/restaurer les paramètres »).

The store is a plain JSON value ``{user: params}`` that the workbook keeps in a hidden
sheet; the user is the operating-system user name unless the « Utilisateur » setting
overrides it (decided by the shell).
"""
from __future__ import annotations

from reglo.core.disbursement.models import SelectionParams


def save_params(store: dict, user: str, params: SelectionParams) -> dict:
    """A new store with ``params`` saved for ``user`` (the old store is not changed)."""
    return {**store, user: params.model_dump(mode="json")}


def restore_params(store: dict, user: str) -> SelectionParams:
    """The parameters saved for ``user``, or the defaults."""
    saved = store.get(user)
    return SelectionParams.model_validate(saved) if saved else SelectionParams()
