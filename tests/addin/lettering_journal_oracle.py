"""The lettering journal's former writers, kept as references for the tests of ``journal_bytes``:
the same envelope (``fec``, ``runs``, ``raw``), each run's head and groups written as that
version wrote them."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from reglo.addin.shell.lettering import _ENC, group_text


def former_journal(fec_path, runs, raw, run_parts: Callable[[Any], tuple[dict, Iterable[str]]]) -> bytes:
    """The journal's bytes, ``run_parts(run)`` giving a run's head (without its groups) and
    the text of each of its groups."""
    runs = [r for r in runs if r.groups]
    ids = {r.run_id for r in runs}
    out = ['{\n "fec": ', _ENC(Path(fec_path).name), ',\n "runs": [']
    for i, r in enumerate(runs):
        head, groups = run_parts(r)
        out.append(("\n  " if i == 0 else ",\n  ") + _ENC(head)[:-1] + ', "groups": [\n   ' + ",\n   ".join(groups) + "\n  ]}")
    out.append("\n ]" if runs else "]")
    if raw:
        kept = [(k, v) for k, v in raw.items() if k in ids]
        out.append(',\n "raw": {' + ",".join(f"\n  {_ENC(k)}: {_ENC(v)}" for k, v in kept) + ("\n }" if kept else "}"))
    out.append("\n}\n")
    return "".join(out).encode("utf-8", "surrogatepass")


def _by_group_text(r) -> tuple[dict, Iterable[str]]:
    head = r.model_copy(update={"groups": ()}).to_json()
    head.pop("groups")
    return head, map(group_text, r.groups)


def _by_the_encoder(r) -> tuple[dict, Iterable[str]]:
    head = r.to_json()
    return head, map(_ENC, head.pop("groups"))


def journal_by_group_text(fec_path, runs, raw=None) -> bytes:
    """``journal_bytes`` before the column writer: ``group_text`` for every group."""
    return former_journal(fec_path, runs, raw, _by_group_text)


def journal_by_the_encoder(fec_path, runs, raw=None) -> bytes:
    """``journal_bytes`` before ``group_text``: every group's dict through the encoder."""
    return former_journal(fec_path, runs, raw, _by_the_encoder)
