"""Lettering on files and workbooks: the « Propositions de lettrage » sheet, applying the
accepted proposals to the FEC, and the run journal that makes every run undoable.

The journal is a JSON file beside the FEC, ``<FEC>.lettrage.json`` (e.g.
``552100554FEC20251231.txt.lettrage.json``): one entry per « Appliquer » with, for every group,
the lines, the code and DateLet they had before, and the write-off lines the run added. Plain
JSON so that an accountant (or support) can read it; written atomically like the FEC.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from reglo.addin.shell.errors import UserError
from reglo.addin.shell.kernels import search_options
from reglo.core.gc_pause import frozen_heap, gc_paused
from reglo.addin.backends.sheets import DATE_FORMAT, EURO_FORMAT, YELLOW, Column, Workbook, WorkbookError, atomic_write, read_table
from reglo.core.alerts import Alert, alert
from reglo.core.lettering import (
    RULE_LABELS,
    AppliedGroup,
    LetteringGroup,
    LetteringOptions,
    LetteringProposal,
    LetteringRun,
    Rule,
    apply_lettering,
    propose_lettering,
    undo_lettering,
)
from reglo.core.lettering.receipts import lettering_receipts
from reglo.core.money import format_display, parse_decimal
from reglo.core.outcome import Outcome

SHEET = "Propositions de lettrage"
PARAMS_SHEET = "Reglo lettrage"  # hidden: the parameters of the proposal, read back by « Appliquer »
JOURNAL_SUFFIX = ".lettrage.json"
GROUP_COLORS = ("#DDEBF7", "#E2EFDA", "#FCE4D6", "#E4DFEC", "#DDF3F3", "#EDEDED")  # one per group, cycling; yellow = ambiguous
CHOICES = ["Oui", "Non"]  # the dropdown of « Appliquer »
UNDO_CODE_LABEL = "Délettrer : code"  # preamble cells the user fills before « Délettrer » (value in column B)
UNDO_ACCOUNT_LABEL = "Délettrer : compte"
INPUT_FILL = "#FFF2CC"
UNDO_HINT = (f"Pour défaire un code ou un compte plutôt que le dernier lancement : remplissez « {UNDO_CODE_LABEL} » et/ou « {UNDO_ACCOUNT_LABEL} » "
             f"en haut de la feuille « {SHEET} » puis cliquez « Délettrer » ; ou en ligne de commande : "
             "reglo letter {fec} --undo CODE [--account COMPTE] | --undo-account COMPTE | --undo-run LANCEMENT.")  # cells the user types in
YES = {"oui", "o", "yes", "y", "x", "1", "vrai", "true"}
NO = {"non", "n", "no", "0", "faux", "false", ""}

HEADERS = (
    Column("Groupe", "0", 18),  # wide enough for the preamble labels above it
    Column("Compte", None, 11),
    Column("Code", None, 7),
    Column("Appliquer", None, 10),
    Column("Règle", None, 16),
    Column("Confiance", '0" %"', 10),
    Column("Ligne FEC", "0", 9),
    Column("Journal", None, 8),
    Column("Date", DATE_FORMAT, 11),
    Column("Pièce", None, 14),
    Column("Libellé", None, 42),
    Column("Débit", EURO_FORMAT, 13),
    Column("Crédit", EURO_FORMAT, 13),
    Column("Échéance", DATE_FORMAT, 11),
    Column("Motif", None, 48),
    Column("État", None, 22),
)
COL = {c.header: i for i, c in enumerate(HEADERS, start=1)}


# ---------------------------------------------------------------------------
# FEC and journal
# ---------------------------------------------------------------------------


def read_ledger(path: str | Path):
    return read_fec_once(path)[1]


def read_fec_once(path: str | Path) -> tuple[bytes, Any]:
    """The FEC's bytes and the ledger parsed from *those* bytes (one read, after recovery): a
    rewrite planned on the ledger is checked against the hash of the very bytes it was planned
    on, so a FEC another run lettered meanwhile is refused, never overwritten with stale codes."""
    from reglo.core.fec import FecError, read_fec

    p = Path(path)
    if not p.is_file():
        raise UserError(f"FEC introuvable : {p}. Indiquez le chemin du fichier des écritures comptables.")
    recover_folder(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UserError(f"FEC illisible ({p.name}) : {exc.strerror or exc}.") from exc
    try:
        return raw, read_fec(raw, p.name)
    except FecError as exc:
        raise UserError(f"FEC illisible ({p.name}) : {exc.alert.message}") from exc


class StageProgress:
    """``reglo.addin.backends.progress.Progress`` bars for a lettering run: one line per stage (reading the
    FEC, each pass, writing), advancing per account block in the combination passes. Called as
    ``progress(stage, done, total)`` (the engine's callback); on stderr, only when it is a
    terminal (or ``enabled=True``)."""

    def __init__(self, *, stream: Any = None, enabled: bool | None = None):
        import sys

        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.stage: str | None = None
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from reglo.addin.backends.progress import Progress

        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = Progress(f"Lettrage — {stage}", total, stream=self.stream, enabled=True)
        bar = self.bar
        bar.total = total
        if done > bar.done or (done == 0 and bar.done == 0):
            bar.update(done - bar.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.stage = None

    def __enter__(self) -> "StageProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def journal_path(fec_path: str | Path) -> Path:
    p = Path(fec_path)
    return p.with_name(p.name + JOURNAL_SUFFIX)


def load_journal(fec_path: str | Path) -> tuple[list[LetteringRun], dict[str, dict]]:
    """The runs recorded for this FEC and, per run, what the byte-preserving rewrite needs to
    undo it exactly (``raw``: sha256 before/after, the lettering fields as they were written,
    the lines appended). A run whose rewrite never reached the FEC (the file still has the
    bytes it had before that run: a crash between the journal and the FEC) is dropped."""
    path = journal_path(fec_path)
    if not path.exists():
        return [], {}
    try:
        data = json.loads(path.read_bytes().decode("utf-8", "surrogatepass"))
        runs = [LetteringRun.from_json(r) for r in data.get("runs", [])]
        raw = {str(k): v for k, v in (data.get("raw") or {}).items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"Journal de lettrage illisible : {path.name} ({exc}). Sans lui, « délettrer » ne peut restaurer que des lignes vides.") from exc
    if runs and runs[-1].run_id in raw:
        info = raw[runs[-1].run_id]
        try:
            current = _sha(Path(fec_path).read_bytes())
        except OSError:
            current = None
        if current is not None and current == info.get("before") and current != info.get("after"):
            raw.pop(runs[-1].run_id)
            runs = runs[:-1]
    return runs, raw


def load_runs(fec_path: str | Path) -> list[LetteringRun]:
    return load_journal(fec_path)[0]


_ENC = json.JSONEncoder(ensure_ascii=False).encode
_STR = json.encoder.encode_basestring


def group_text(g: Any) -> str:
    """``_ENC(g.to_json())``, the same text written directly (a run of 100,000 groups: a second
    less than building their dicts and encoding them). Falls back on the encoder for a value of
    an unexpected type."""
    try:
        s, num = _STR, int.__repr__
        if type(g.account) is not str or type(g.code) is not str:
            raise TypeError
        dates = ", ".join("null" if d is None else f'"{d.isoformat()}"' for d in g.previous_dates)
        text = (f'{{"account": {s(g.account)}, "code": {s(g.code)}, "rule": {"null" if not g.rule else s(g.rule.value)}, '
                f'"rows": [{", ".join(map(num, g.rows))}], "previous_codes": [{", ".join(map(s, g.previous_codes))}], '
                f'"previous_dates": [{dates}], "added_rows": [{", ".join(map(num, g.added_rows))}]')
        if g.score is not None:
            text += f', "score": {num(g.score)}'
        if g.reason:
            text += f', "reason": {s(g.reason)}'
        return text + "}"
    except (TypeError, AttributeError):
        return _ENC(g.to_json())


_INTS = json.JSONEncoder(check_circular=False).encode  # lists of integer lists (no cycle possible)
_NOT_INTS = str.maketrans("", "", "0123456789-, ")  # what the encoder writes for integers and their separators
_NONE = type(None)
_CHUNK = 9 * 2048  # pieces of text joined and encoded at a time (about 2,000 groups, 600,000 characters: in the CPU's cache)


def _int_lists(lists: Sequence[Any]) -> list[str] | None:
    """The text between the brackets of each of ``lists`` (tuples of integers) as the encoder
    writes it, from one encoding of them all split at ``], [``; None when one of them holds
    something else than integers (a bool, a float, a string…: only brackets are left once the
    digits, minus signs, commas and spaces are taken out of a list of integer lists)."""
    if not lists:
        return []
    if not set(map(type, lists)) <= {tuple, list}:
        return None
    try:
        text = _INTS(lists)
    except (TypeError, ValueError):
        return None
    if text.translate(_NOT_INTS) != "[" + "[]" * len(lists) + "]":
        return None
    return text[2:-2].split("], [")


def _group_pieces(groups: Sequence[Any]) -> list[str] | None:
    """``",\n   ".join(map(group_text, groups))`` as pieces of text to join, written column by
    column: each distinct account, code, rule, previous codes and dates, and score is written
    once, the rows of all the groups in one encoding, and a group costs no Python call of its
    own (a run of 100,000 groups: a third of the time of ``group_text``). None when a value is
    not of its usual type: ``group_text`` then writes each group (the encoder for an odd one)."""
    if not groups or set(map(type, groups)) != {AppliedGroup}:
        return None
    accounts, codes, rows, previous_codes, previous_dates, rules, added, scores, reasons = zip(*groups)
    if not (set(map(type, rules)) <= {Rule, _NONE} and set(map(type, scores)) <= {int, _NONE}
            and set(map(type, previous_codes)) | set(map(type, previous_dates)) == {tuple}):
        return None
    rows_text, added_text = _int_lists(rows), _int_lists(added)
    if rows_text is None or added_text is None:
        return None
    s = _STR
    try:
        account = {a: f'}},\n   {{"account": {s(a)}, "code": ' for a in set(accounts)}
        code = {c: f'{s(c)}, "rule": ' for c in set(codes)}
        rule = {r: ("null" if not r else s(r.value)) + ', "rows": [' for r in set(rules)}
        codes_before = {t: f'], "previous_codes": [{", ".join(map(s, t))}], "previous_dates": [' for t in set(previous_codes)}
        dates_before = {t: ", ".join("null" if d is None else f'"{d.isoformat()}"' for d in t) + '], "added_rows": [' for t in set(previous_dates)}
        reason: Iterable[str]
        if all(reasons):  # the usual case: every group has its reason, written after the score
            score = {v: ("]" if v is None else f'], "score": {int.__repr__(v)}') + ', "reason": ' for v in set(scores)}
            reason = list(map(s, reasons))  # here: a reason that is not text leaves by the except
        else:
            score = {v: "]" if v is None else f'], "score": {int.__repr__(v)}' for v in set(scores)}
            reason = [f', "reason": {s(x)}' if x else "" for x in reasons]
    except (TypeError, AttributeError):
        return None
    pieces = list(chain.from_iterable(zip(map(account.__getitem__, accounts), map(code.__getitem__, codes), map(rule.__getitem__, rules), rows_text,
                                          map(codes_before.__getitem__, previous_codes), map(dates_before.__getitem__, previous_dates), added_text,
                                          map(score.__getitem__, scores), reason)))
    pieces[0] = pieces[0][len("},\n   "):]
    pieces.append("}")
    return pieces


def _utf8(pieces: list[str]) -> bytes:
    """``"".join(pieces).encode("utf-8", "surrogatepass")``, a few hundred kilobytes at a time:
    the text of the journal's groups is mostly ASCII but its reasons hold « € » and narrow
    no-break spaces, which make the whole text two bytes a character; joined and encoded in
    chunks it stays in the CPU's cache (each character is encoded on its own: the bytes are the
    same)."""
    return b"".join("".join(pieces[i:i + _CHUNK]).encode("utf-8", "surrogatepass") for i in range(0, len(pieces), _CHUNK))


def journal_bytes(fec_path: str | Path, runs: Iterable[LetteringRun], raw: dict[str, dict] | None = None, *,
                  encoded: dict[str, str] | None = None) -> bytes:
    """The journal as JSON: ``{"fec", "runs": [{run_id, created_at, lettered_on, "groups": [...]}],
    "raw": {run_id: ...}}``, one group per line and one run's raw record per line. Each piece is
    encoded compactly by the standard library's C encoder (an indented dump goes through its
    pure-Python encoder: about 10 s for a run of 50,000 groups), the groups written column by
    column (``_group_pieces``). ``encoded``: the text ``_ENC`` writes for some of the ``raw``
    records, when the caller has it already (``_plan_apply``, for the run it applies)."""
    runs = [r for r in runs if r.groups]
    ids = {r.run_id for r in runs}
    enc = _ENC
    out = ['{\n "fec": ', enc(Path(fec_path).name), ',\n "runs": [']
    for i, r in enumerate(runs):
        head = r.model_copy(update={"groups": ()}).to_json()
        head.pop("groups")
        out.append(("\n  " if i == 0 else ",\n  ") + enc(head)[:-1] + ', "groups": [\n   ')
        pieces = _group_pieces(r.groups)
        out.extend(pieces if pieces is not None else [",\n   ".join(map(group_text, r.groups))])
        out.append("\n  ]}")
    out.append("\n ]" if runs else "]")
    if raw:
        kept = [(k, v) for k, v in raw.items() if k in ids]
        given = encoded or {}
        out.append(',\n "raw": {' + ",".join(f"\n  {enc(k)}: {given.get(k) or enc(v)}" for k, v in kept) + ("\n }" if kept else "}"))
    out.append("\n}\n")
    return _utf8(out)


def _previous(previous: dict[int, tuple[str, str]]) -> tuple[dict[str, list], str | None]:
    """The journal's record of the lettering fields of the lines a run rewrites (``Rewrite.previous``:
    250,000 lines on a big ledger): ``{str(k): list(v) for k, v in previous.items()}``, and the
    text ``_ENC`` writes for it (None: the encoder writes it). The line numbers are written once,
    by one encoding of them all, and serve as the dict's keys too; each distinct pair of fields
    is encoded once. Only for integer line numbers and text fields."""
    keys = list(previous)
    if not keys or set(map(type, keys)) != {int}:
        return {str(k): list(v) for k, v in previous.items()}, None
    numbers = _INTS(keys)[1:-1].split(", ")  # str(k) of every line number
    values = list(previous.values())
    out = dict(zip(numbers, map(list, values)))
    try:
        after = {v: f'": {_ENC(list(v))}, "' for v in set(values)}  # what follows a line number in the text
    except TypeError:  # a value that cannot be hashed
        return out, None
    if not all(type(v) is tuple and all(type(x) is str for x in v) for v in after):
        return out, None
    if len(after) == 1:  # the usual first lettering: every line had empty fields
        (same,) = after.values()
        return out, '{"' + same.join(numbers) + same[:-len(', "')] + "}"
    pieces = list(chain.from_iterable(zip(numbers, map(after.__getitem__, values))))
    pieces[-1] = pieces[-1][:-len(', "')]
    return out, '{"' + "".join(pieces) + "}"


def save_runs(fec_path: str | Path, runs: Iterable[LetteringRun], raw: dict[str, dict] | None = None) -> Path:
    path = journal_path(fec_path)
    atomic_write(path, journal_bytes(fec_path, runs, raw))
    return path


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def new_run_id(runs: Iterable[LetteringRun], now: datetime) -> str:
    base = now.strftime("%Y%m%d-%H%M%S")
    ids = {r.run_id for r in runs}
    run_id, n = base, 1
    while run_id in ids:
        n += 1
        run_id = f"{base}-{n}"
    return run_id


# ---------------------------------------------------------------------------
# the byte-preserving rewrite of the ledger (reglo.core.fec_rewrite)
# ---------------------------------------------------------------------------


def recover_folder(path: str | Path) -> None:
    """What every start does first: an interrupted commit of this folder (a lettering killed
    half-way) is finished or rolled back before the FEC is read."""
    from reglo.addin.shell.recovery import recover_at_start

    folder = Path(path).resolve().parent
    if folder.is_dir():
        recover_at_start(folder)


def _same_file(a: Path, b: Path) -> bool:
    if a == b:
        return True
    try:
        return b.exists() and a.resolve() == b.resolve()
    except OSError:
        return False


def rewrite_refusal(ledger: Any, source: Path, target: Path) -> Alert | None:
    """Why the FEC must not be rewritten in place: values Reglo could not read (amounts,
    dates, sides, lines of the wrong field count), which a rewrite would alter. Other findings
    (empty fields, warnings) do not prevent lettering. A copy elsewhere (``--out``) is allowed:
    the byte-preserving rewrite copies the unreadable lines as they are."""
    from reglo.core.fec import unreadable_lines

    if not _same_file(source, target):
        return None
    count, lines = unreadable_lines(ledger)
    if not count:
        return None
    shown = ", ".join(str(n) for n in lines[:10]) + (" …" if count > 10 else "")
    return alert("FEC_REWRITE_UNREADABLE", sheet="FEC", row=lines[0] if lines else None, name=source.name, count=count, lines=shown)


@dataclass
class LedgerPlan:
    """A planned rewrite of the ledger and of its lettering journal (committed together)."""

    target: Path
    original_sha256: str | None  # of the target as it was read (None: a new file)
    data: bytes
    journal: bytes
    run_info: dict = field(default_factory=dict)
    receipts: tuple = ()  # customer receipts the run lettered (``reglo.core.lettering.receipts.LetteringReceipt``)
    undone: tuple = ()  # groups a délettrage undid (``AppliedGroup``): their receipts get cancelled


def plan_apply(raw: bytes, ledger: Any, frame_after: pd.DataFrame, run: LetteringRun, runs: list[LetteringRun], raw_journal: dict[str, dict],
               source: Path, target: Path) -> LedgerPlan:
    """The lettered FEC (only EcritureLet / DateLet change; write-off lines appended in the
    file's own layout) and the journal with what undoes it byte for byte. Pure. Runs without
    cyclic GC: it builds hundreds of thousands of acyclic objects on a big ledger (journal
    groups, receipts), whose collections would rescan them again and again."""
    with gc_paused():
        return _plan_apply(raw, ledger, frame_after, run, runs, raw_journal, source, target)


def _plan_apply(raw: bytes, ledger: Any, frame_after: pd.DataFrame, run: LetteringRun, runs: list[LetteringRun], raw_journal: dict[str, dict],
                source: Path, target: Path) -> LedgerPlan:
    from reglo.core.fec_rewrite import RewriteError, frame_rewrite

    try:
        rw = frame_rewrite(raw, ledger.frame, frame_after)
    except RewriteError as exc:
        raise UserError(f"{source.name} n'est pas réécrit : {exc}") from exc
    before = _sha(raw)
    previous, previous_text = _previous(rw.previous)
    head = {"before": before, "after": _sha(rw.data)}
    tail = {"appended": list(rw.appended), "eol_added": rw.eol_added, "source": source.name}
    info = {**head, "previous": previous, **tail}
    text = None if previous_text is None else f'{_ENC(head)[:-1]}, "previous": {previous_text}, {_ENC(tail)[1:]}'  # _ENC(info)
    journal = journal_bytes(target, runs + [run], {**raw_journal, run.run_id: info}, encoded={run.run_id: text} if text else None)
    original = before if _same_file(source, target) else (_sha(target.read_bytes()) if target.exists() else None)
    receipts = tuple(lettering_receipts(frame_after, run.groups))
    return LedgerPlan(target, original, rw.data, journal, info, receipts=receipts)


def ledger_outcome(plan: LedgerPlan, reference: str, *, kind: str = "lettrage", summary: str = "", snapshot: Any = None) -> Outcome:
    """The pure outcome of a lettering run: the in-place rewrite of the ledger, with its undo
    journal written in the same commit, recorded as a batch of the register. Its lines are the
    customer receipts the run lettered (« Données d'encaissement »), those the register does
    not hold yet; a délettrage's lines cancel the receipts of the groups it undid
    (``reglo.core.lettering.receipts``; ``snapshot``: the register read inside the lock)."""
    from reglo.core.lettering.receipts import cancellation_lines, new_lines
    from reglo.core.outcome import BatchDraft, LedgerRewrite, OutputFile
    from reglo.core.register_state import RegisterSnapshot

    journal = OutputFile(folder="", name=journal_path(plan.target).name, data=plan.journal, role="journal")
    rewrite = LedgerRewrite(target=str(plan.target.resolve()), original_sha256=plan.original_sha256 or "", data=plan.data, undo=journal)
    snapshot = snapshot if snapshot is not None else RegisterSnapshot()
    lines: tuple = ()
    if plan.receipts:
        lines = new_lines(snapshot, plan.target.name, plan.receipts)
    elif plan.undone:
        lines = cancellation_lines(snapshot, plan.target.name, plan.undone)
    meta = {"fichier": plan.target.name, "avant": plan.original_sha256 or "", "apres": plan.run_info.get("after") or _sha(plan.data)}
    if lines:
        meta["encaissements"] = len(lines)
    batch = BatchDraft(kind=kind, reference=reference, lines=lines, meta=meta)
    return Outcome(summary=summary, batch=batch, ledger=rewrite)


def commit_ledger(plan: LedgerPlan, *, reference: str | None = None, kind: str = "lettrage", now: datetime | None = None) -> list[str]:
    """Commit the rewrite through the one commit protocol (``reglo.addin.shell.commit``): the
    lock and register of the FEC's folder, the batch recorded *pending* with the hashes, the FEC
    and its journal written under temporary names, fsynced, the FEC replaced (its original kept
    until the batch is *committed*), then *committed*. A crash at any step leaves, at the next
    start, the old FEC and journal or the new ones."""
    from reglo.addin.shell.commit import run_button

    now = now or datetime.now().replace(microsecond=0)
    reference = reference or f"{kind} {plan.target.name} {now:%Y%m%d-%H%M%S} {_sha(plan.data)[:12]}"

    def planned(ctx: Any) -> Outcome:  # inside the lock: a reference never used in the register's history
        used = {b.reference for b in ctx.snapshot.batches}
        ref, n = reference, 1
        while ref in used:
            n += 1
            ref = f"{reference} ({n})"
        return ledger_outcome(plan, ref, kind=kind, snapshot=ctx.snapshot)

    with gc_paused():  # the register lines and journal entries of the receipts: many acyclic objects
        result = run_button(plan.target.resolve().parent, planned, now=now, block_on_orphans=False, lettering_lines=True)
    if not result.committed:
        details = " ; ".join(a.message for a in result.alerts if a.is_blocking) or result.status
        raise UserError(f"{plan.target.name} n'a pas été réécrit : {details}")
    return [str(plan.target), str(journal_path(plan.target))]


# ---------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------


def parse_roots(text: str | None) -> tuple[str, ...]:
    if not text:
        return ("411", "401")
    roots = tuple(r.strip() for r in str(text).replace(";", ",").split(",") if r.strip())
    bad = [r for r in roots if not r.isdigit()]
    if bad or not roots:
        raise UserError(f"Racines de comptes invalides « {text} » : des numéros de compte séparés par des virgules sont attendus (ex. 411,401).")
    return roots


def parse_tolerance(text: str | None) -> Decimal:
    if text in (None, ""):
        return Decimal("0.00")
    try:
        value = parse_decimal(str(text))
    except (ValueError, ArithmeticError) as exc:
        raise UserError(f"Tolérance invalide « {text} » : un montant en euros est attendu (ex. 1,00).") from exc
    if value < 0 or value > 1000:
        raise UserError(f"Tolérance invalide « {text} » : entre 0 et 1 000 € (un écart de règlement reste petit).")
    return value.quantize(Decimal("0.01"))


def options_rows(options: LetteringOptions, fec_path: Path) -> list[list[Any]]:
    return [["fec", str(fec_path)], ["roots", ",".join(options.roots)], ["k", options.k], ["window", options.date_window_days],
            ["tolerance", f"{options.tolerance:.2f}"], ["charge", options.write_off_charge_account],
            ["income", options.write_off_income_account], ["journal", options.write_off_journal], ["budget", options.budget],
            ["reletter", "oui" if options.reletter else "non"]]


def options_from_rows(values: list[list[Any]]) -> tuple[LetteringOptions, str | None]:
    kv = {str(r[0]).strip(): r[1] for r in values if r and r[0] not in (None, "") and len(r) > 1}
    try:
        opt = LetteringOptions(
            roots=parse_roots(kv.get("roots")), k=int(kv.get("k") or 6), date_window_days=int(kv.get("window") or 400),
            tolerance=parse_tolerance(kv.get("tolerance")), write_off_charge_account=str(kv.get("charge") or "658000"),
            write_off_income_account=str(kv.get("income") or "758000"), write_off_journal=str(kv.get("journal") or "OD"),
            budget=int(kv.get("budget") or 50_000), reletter=str(kv.get("reletter") or "").lower() == "oui",
        )
    except (ValueError, TypeError) as exc:
        raise UserError(f"Paramètres de lettrage illisibles dans la feuille « {PARAMS_SHEET} » : relancez « Proposer le lettrage » ({exc}).") from exc
    fec = kv.get("fec")
    return opt, str(fec) if fec else None


# ---------------------------------------------------------------------------
# the proposals sheet
# ---------------------------------------------------------------------------


def _date(value: Any) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def proposal_rows(proposal: LetteringProposal, frame: pd.DataFrame) -> tuple[list[list[Any]], list[tuple[LetteringGroup, int, int]]]:
    """One row per line (then the write-off lines proposed), grouped; spans (group, first, last row offset)."""
    by_row = frame.set_index("source_row")
    cols = ["journal_code", "entry_date", "document_ref", "label", "debit", "credit", "due_date"]
    needed = sorted({r for g in proposal.groups for r in g.rows})
    sub = by_row.loc[needed, cols] if needed else by_row.iloc[:0][cols]
    info = {int(r): v for r, v in zip(sub.index.tolist(), sub.itertuples(index=False))}
    rows: list[list[Any]] = []
    spans = []
    for g in proposal.groups:
        first = len(rows)
        choice = "Non" if g.ambiguous else "Oui"
        rule = RULE_LABELS[g.rule] + (" (ambigu)" if g.ambiguous else "")
        for r in g.rows:
            v = info[r]
            rows.append([g.group_id, g.account, g.code, choice, rule, g.confidence, r, v.journal_code, _date(v.entry_date), v.document_ref,
                         v.label, Decimal(int(v.debit)).scaleb(-2) if v.debit else None,
                         Decimal(int(v.credit)).scaleb(-2) if v.credit else None, _date(v.due_date), g.reason, ""])
        if g.write_off is not None:
            for line in g.write_off.lines:
                rows.append([g.group_id, line.subledger_account or line.ledger_account, g.code if line.subledger_account or line.ledger_account == g.ledger_account else "",
                             choice, rule, g.confidence, None, g.write_off.journal_code, g.write_off.entry_date, g.write_off.document_ref,
                             f"{line.label} — compte {line.ledger_account} (écriture proposée)", line.debit or None, line.credit or None, None,
                             g.reason, "à passer"])
        if g.partial:
            rows[-1][COL["État"] - 1] = f"partiel : reste {format_display(g.open_amount)}"
        spans.append((g, first, len(rows) - 1))
    return rows, spans


def write_proposals(book: Workbook, proposal: LetteringProposal, frame: pd.DataFrame, options: LetteringOptions, fec_path: Path) -> int:
    """Write « Propositions de lettrage » (replacing it) and the hidden parameters sheet."""
    rows, spans = proposal_rows(proposal, frame)
    by_rule = proposal.by_rule()
    ambiguous = sum(g.ambiguous for g in proposal.groups)
    summary = ", ".join(f"{RULE_LABELS[r].lower()} {n}" for r, n in by_rule.items() if n)
    # one short line per fact: the values overflow to the right over empty cells, never cut
    preamble = [
        ["FEC", fec_path.name],
        ["Comptes lettrés", f"{', '.join(options.roots)} ; jusqu'à {options.k} lignes par combinaison ; dates à {options.date_window_days} jours au plus"],
        ["Tolérance", f"{format_display(options.tolerance)} (écarts passés en {options.write_off_charge_account} / {options.write_off_income_account})"],
        ["Propositions", f"{len(proposal.groups)} groupe(s) dont {ambiguous} ambigu(s), à valider ; {proposal.open_lines} ligne(s) ouverte(s) examinée(s)"],
        ["Par règle", summary or "aucune"],
        ["Mode d'emploi", "Colonne « Appliquer » : « Non » refuse un groupe, « Oui » accepte un groupe ambigu (en jaune) ; puis « Appliquer le lettrage »."],
        ["Délettrer", "« Délettrer » défait le dernier lancement ; pour défaire un code ou un compte, remplissez une des deux cellules ci-dessous."],
        [UNDO_CODE_LABEL, None],
        [UNDO_ACCOUNT_LABEL, None],
    ]
    header_row = book.write_sheet(SHEET, list(HEADERS), rows, title="Propositions de lettrage", preamble=preamble)
    first_data = header_row + 1
    ncols = len(HEADERS)
    if rows:
        book.set_list_validation(SHEET, first_data, first_data + len(rows) - 1, COL["Appliquer"], CHOICES, title="Appliquer",
                                 error="Choisissez « Oui » (appliquer le groupe) ou « Non » (le refuser).")
    undo_rows = [header_row - 3, header_row - 2]  # the two input lines, just above the blank line before the header
    book.fill(SHEET, [(r, 2) for r in undo_rows], INPUT_FILL)
    book.set_note(SHEET, undo_rows[0], 2, "Tapez un code de lettrage (ex. AA, tel qu'il figure dans la colonne « Code ») puis cliquez « Délettrer ». "
                                          "Avec un compte ci-dessous : ce code dans ce compte seulement.")
    book.set_note(SHEET, undo_rows[1], 2, "Tapez un compte (tel qu'il figure dans la colonne « Compte » : auxiliaire, sinon général) puis cliquez "
                                          "« Délettrer » : tous ses lettrages sont défaits (avec un code ci-dessus : ce code seulement).")
    by_color: dict[str, list[tuple[int, int]]] = {}
    for n, (g, a, b) in enumerate(spans):
        color = YELLOW if g.ambiguous else GROUP_COLORS[n % len(GROUP_COLORS)]
        cells = by_color.setdefault(color, [])
        for r in range(first_data + a, first_data + b + 1):
            cells.extend((r, c) for c in range(1, ncols + 1))
        if g.ambiguous:
            alts = "\n".join(g.alternative_texts()) or "non détaillées"
            book.set_note(SHEET, first_data + a, COL["Appliquer"], f"Proposition ambiguë ({g.reason}). Autres possibilités :\n{alts}\n"
                                                                   "Elle n'est appliquée que si vous mettez « Oui ».")
        if g.write_off is not None:
            book.set_note(SHEET, first_data + a, COL["Motif"], f"Écart de règlement de {format_display(abs(g.gap))} : une écriture d'OD "
                                                               f"({g.write_off.lines[1].ledger_account}) est ajoutée au FEC si vous appliquez.")
    for color, cells in by_color.items():
        if cells:
            book.fill(SHEET, cells, color)
    book.write_sheet(PARAMS_SHEET, ["Paramètre", "Valeur"], options_rows(options, fec_path))
    book.hide_sheet(PARAMS_SHEET)
    return header_row


@dataclass
class SheetChoices:
    accepted: dict[int, frozenset[int]] = field(default_factory=dict)  # group id -> FEC rows
    refused: set[int] = field(default_factory=set)
    excel_rows: dict[int, list[int]] = field(default_factory=dict)  # group id -> Excel rows
    codes: dict[int, tuple[str, str]] = field(default_factory=dict)  # group id -> (account, code)
    alerts: list[Alert] = field(default_factory=list)


def read_choices(book: Workbook) -> SheetChoices:
    if SHEET not in book.sheet_names():
        raise UserError(f"Feuille « {SHEET} » absente : cliquez d'abord « Proposer le lettrage ».")
    table = read_table(book, SHEET, required=["Groupe", "Appliquer", "Ligne FEC"])
    missing = table.missing(["Groupe", "Appliquer", "Ligne FEC"])
    if missing:
        raise UserError(f"Feuille « {SHEET} » : colonne(s) {', '.join(missing)} absente(s). Relancez « Proposer le lettrage ».")
    out = SheetChoices()
    votes: dict[int, set[str]] = {}
    rows: dict[int, set[int]] = {}
    for row in table.rows:
        gid = row.get("Groupe")
        try:
            gid = int(gid)
        except (TypeError, ValueError):
            continue
        out.excel_rows.setdefault(gid, []).append(row.excel_row)
        out.codes.setdefault(gid, (str(row.get("Compte") or ""), str(row.get("Code") or "")))
        raw = row.get("Appliquer")
        text = str(raw if raw is not None else "").strip().casefold()
        if text in YES:
            votes.setdefault(gid, set()).add("oui")
        elif text in NO:
            votes.setdefault(gid, set()).add("non")
        else:
            votes.setdefault(gid, set()).add("?")
            out.alerts.append(alert("LET_CHOICE_INVALID", sheet=SHEET, row=row.excel_row, column="Appliquer", value=str(raw)))
        line = row.get("Ligne FEC")
        if line not in (None, ""):
            try:
                rows.setdefault(gid, set()).add(int(line))
            except (TypeError, ValueError):
                out.alerts.append(alert("LET_CHOICE_INVALID", sheet=SHEET, row=row.excel_row, column="Ligne FEC", value=str(line)))
                votes.setdefault(gid, set()).add("?")
    for gid, v in votes.items():
        if v == {"oui"} and rows.get(gid):
            out.accepted[gid] = frozenset(rows[gid])
        else:
            out.refused.add(gid)
    return out


# ---------------------------------------------------------------------------
# propose / apply / undo on files
# ---------------------------------------------------------------------------


@dataclass
class LetteringOutcome:
    summary: list[str]
    alerts: list[Alert]
    outputs: list[str] = field(default_factory=list)
    proposal: LetteringProposal | None = None
    run: LetteringRun | None = None
    undone: list[Any] = field(default_factory=list)  # groups a « délettrer » undid (account, code, rows)


def summary_lines(proposal: LetteringProposal) -> list[str]:
    by_rule = proposal.by_rule()
    lines = [f"{proposal.scope_lines} ligne(s) dans les comptes choisis, {proposal.open_lines} ouverte(s), {proposal.accounts} compte(s) ; "
             f"{len(proposal.groups)} lettrage(s) proposé(s)"]
    lines.append("  par règle : " + ", ".join(f"{RULE_LABELS[r]} {n}" for r, n in by_rule.items()))
    amb = sum(g.ambiguous for g in proposal.groups)
    wo = [g for g in proposal.groups if g.write_off is not None]
    if amb:
        lines.append(f"  {amb} proposition(s) ambiguë(s), non appliquée(s) sans votre accord")
    if wo:
        lines.append(f"  {len(wo)} écart(s) de règlement proposé(s) pour {format_display(sum((abs(g.gap) for g in wo), Decimal('0.00')))}")
    if proposal.budget_exceeded:
        lines.append(f"  recherche de combinaisons arrêtée sur son budget pour {len(proposal.budget_exceeded)} compte(s) : "
                     + ", ".join(proposal.budget_exceeded[:10]))
    return lines


def propose_to_book(book: Workbook, fec_path: str | Path, options: LetteringOptions) -> LetteringOutcome:
    ledger = read_ledger(fec_path)
    proposal = propose_lettering(ledger.frame, options, **search_options(len(ledger.frame)))
    write_proposals(book, proposal, ledger.frame, options, Path(fec_path))
    return LetteringOutcome(summary_lines(proposal), list(proposal.alerts), proposal=proposal)


def ledger_sheet(book: Workbook) -> str | None:
    """The workbook's ledger sheet (« Écritures », FEC columns), if any."""
    from reglo.addin.backends.entries_sheet import SHEET as ENTRIES

    return next((n for n in book.sheet_names() if n.strip().casefold() == ENTRIES.casefold()), None)


def _fec_text(value: Any, field_name: str) -> str:
    from decimal import Decimal as _D

    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return f"{value:%Y%m%d}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, _D)) and field_name in ("Debit", "Credit", "Montantdevise", "Montant"):
        return f"{_D(str(value)).quantize(_D('0.01'))}".replace(".", ",")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).replace("\t", " ").splitlines())


def ledger_from_sheet(book: Workbook, sheet: str):
    """The ledger typed or pasted in a sheet with FEC columns, read by the FEC reader (same
    rules as a file); ``frame.source_row`` and the alerts point at the sheet's rows."""
    from reglo.addin.backends.entries_sheet import HEADERS
    from reglo.addin.shell.checks import _entries_header_row
    from reglo.core.entry_sheet_rules import DATE_FIELDS, map_headers, parse_sheet_date
    from reglo.core.fec import read_fec

    values = book.read_values(sheet)
    header_row = _entries_header_row(values)
    where = map_headers(values[header_row - 1] if len(values) >= header_row else [])
    fields = [h for h in HEADERS if h in where or h != "DateEcheance"]  # the 18 FEC fields (empty when absent)
    excel_rows: list[int] = []
    lines = ["\t".join(fields)]
    for i, line in enumerate(values[header_row:], start=header_row + 1):
        if not any(v not in (None, "") for v in line):
            continue
        excel_rows.append(i)
        cells = []
        for f in fields:
            v = line[where[f]] if f in where and where[f] < len(line) else None
            if f in DATE_FIELDS or f == "DateEcheance":
                try:
                    v = parse_sheet_date(v) or v
                except ValueError:
                    pass  # the FEC reader names the impossible date
            cells.append(_fec_text(v, f))
        lines.append("\t".join(cells))
    ledger = read_fec(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    to_sheet = {n: excel_rows[n - 2] for n in range(2, len(excel_rows) + 2)}
    frame = ledger.frame
    if len(frame):
        frame = frame.assign(source_row=frame["source_row"].map(lambda n: to_sheet.get(int(n), int(n))))
    ledger.frame = frame
    ledger.alerts = [a.model_copy(update={"sheet": sheet, "row": to_sheet.get(a.row, a.row) if a.row is not None else None}) for a in ledger.alerts]
    return ledger


def propose_from_sheet(book: Workbook, options: LetteringOptions, sheet: str | None = None) -> LetteringOutcome:
    """« Proposer le lettrage » on the ledger sheet of the open workbook: needs no file, so it
    also works in the browser (xlwings Lite). « Appliquer » writes to a FEC: desktop only."""
    sheet = sheet or ledger_sheet(book)
    if sheet is None:
        raise UserError("Aucune feuille « Écritures » (colonnes du FEC) dans ce classeur : collez-y le grand livre, "
                        "ou utilisez le complément de bureau, qui lit le FEC du dossier.")
    ledger = ledger_from_sheet(book, sheet)
    blocking = [a for a in ledger.alerts if a.is_blocking]
    if blocking and not len(ledger.frame):
        return LetteringOutcome([f"Rien à proposer : la feuille « {sheet} » n'est pas lisible comme un grand livre."], list(ledger.alerts))
    proposal = propose_lettering(ledger.frame, options, **search_options(len(ledger.frame)))
    write_proposals(book, proposal, ledger.frame, options, Path(sheet))
    lines = summary_lines(proposal)
    lines.append(f"Lignes lues dans la feuille « {sheet} » du classeur ouvert. « Appliquer le lettrage » écrit dans le FEC : il se fait avec le complément de bureau.")
    return LetteringOutcome(lines, list(ledger.alerts) + list(proposal.alerts), proposal=proposal)


def apply_from_book(book: Workbook, *, fec_path: str | Path | None = None, out_path: str | Path | None = None, now: datetime,
                    lettered_on: date | None = None) -> LetteringOutcome:
    """« Appliquer le lettrage »: the groups left at « Oui » are written to the FEC (atomically),
    recorded in the journal, and marked in the sheet."""
    choices = read_choices(book)
    if PARAMS_SHEET in book.sheet_names():
        options, stored_fec = options_from_rows(book.read_values(PARAMS_SHEET)[1:])
    else:
        options, stored_fec = LetteringOptions(), None
    fec = Path(fec_path or stored_fec or "")
    if not str(fec_path or stored_fec or ""):
        raise UserError("FEC inconnu : relancez « Proposer le lettrage » ou indiquez le FEC.")
    raw, ledger = read_fec_once(fec)
    target = Path(out_path or fec)
    refusal = rewrite_refusal(ledger, fec, target)
    if refusal is not None:
        return LetteringOutcome([f"Rien n'a été écrit : {fec.name} a des valeurs illisibles."], list(choices.alerts) + [refusal])
    proposal = propose_lettering(ledger.frame, options, **search_options(len(ledger.frame)))
    by_rows = {frozenset(g.rows): g for g in proposal.groups}
    accepted_ids: list[int] = []
    synthetic: list[LetteringGroup] = []
    sheet_of: dict[int, int] = {}
    for gid, rows in sorted(choices.accepted.items()):
        g = by_rows.get(rows)
        if g is not None:
            accepted_ids.append(g.group_id)
            sheet_of[g.group_id] = gid
        else:  # changed since the proposal (lines removed, FEC modified): the engine checks it
            account, code = choices.codes.get(gid, ("", ""))
            sid = 10_000_000 + gid
            synthetic.append(LetteringGroup(sid, account, "", code or "??", tuple(sorted(rows)), Rule.REFERENCE, "modifié dans la feuille", 0))
            accepted_ids.append(sid)
            sheet_of[sid] = gid
    merged = proposal.model_copy(update={"groups": tuple(proposal.groups) + tuple(synthetic)})
    runs, raw_journal = load_journal(target)
    run_id = new_run_id(runs, now)
    result = apply_lettering(ledger.frame, merged, run_id=run_id, created_at=now.isoformat(timespec="seconds"),
                             lettered_on=lettered_on, accepted=accepted_ids)
    alerts = list(choices.alerts) + list(result.alerts)
    outputs = []
    if result.run.groups:
        with frozen_heap():
            outputs = commit_ledger(plan_apply(raw, ledger, result.frame, result.run, runs, raw_journal, fec, target),
                                    reference=f"lettrage {target.name} {run_id}", now=now)
    # mark the sheet
    applied_codes = {sheet_of[g.group_id]: g.code for g in result.applied}
    cells: dict[tuple[int, int], Any] = {}
    for gid, excel_rows in choices.excel_rows.items():
        if gid in applied_codes:
            state = f"lettré {applied_codes[gid]} ({run_id})"
        elif gid in choices.refused:
            state = "refusé"
        else:
            state = "non appliqué (voir alertes)"
        for r in excel_rows:
            cells[(r, COL["État"])] = state
            if gid in applied_codes:
                cells[(r, COL["Code"])] = applied_codes[gid]
    if cells:
        book.write_cells(SHEET, cells)
    n_lines = sum(len(g.rows) for g in result.run.groups)
    summary = [f"{len(result.run.groups)} lettrage(s) appliqué(s) ({n_lines} lignes), {len(choices.refused)} refusé(s) ; lancement {run_id}"]
    if outputs:
        summary.append(f"FEC écrit : {target.name} ; journal : {journal_path(target).name}")
    else:
        summary.append("Rien n'a été écrit.")
    return LetteringOutcome(summary, alerts, outputs, proposal=proposal, run=result.run)


def undo_on_file(fec_path: str | Path, *, code: str | None = None, account: str | None = None, run_id: str | None = None,
                 last: bool = False, out_path: str | Path | None = None) -> LetteringOutcome:
    """Délettrer by code (optionally within an account), by account, by run, or the last run.

    The lines of a group a recorded run applied get back their lettering fields exactly as
    they were written, and the lines the run appended are removed: undoing the last run gives
    back the FEC's original bytes (sha256 checked and reported)."""
    from reglo.core.fec_rewrite import RewriteError, frame_rewrite

    fec = Path(fec_path)
    raw, ledger = read_fec_once(fec)
    target = Path(out_path or fec)
    refusal = rewrite_refusal(ledger, fec, target)
    if refusal is not None:
        return LetteringOutcome([f"Rien n'a été écrit : {fec.name} a des valeurs illisibles."], [refusal])
    runs, raw_journal = load_journal(fec)
    if last:
        if not runs:
            return LetteringOutcome(["Aucun lancement de lettrage enregistré pour ce FEC : rien à délettrer."],
                                    [alert("LET_UNDO_NOT_FOUND", what="le dernier lancement")])
        run_id = runs[-1].run_id
    res = undo_lettering(ledger.frame, runs, code=code, account=account, run_id=run_id)
    if not res.undone:
        return LetteringOutcome(["Rien n'a été délettré."], res.alerts)
    # the fields as they were written before the run that applied each undone group
    verbatim: dict[int, tuple[str, str]] = {}
    whole_runs: set[str] = set()
    applied_by: dict[tuple, list[LetteringRun]] = {}  # (account, code, rows) → the runs that applied that group, in order
    for r in runs:
        for x in r.groups:
            found = applied_by.setdefault((x.account, x.code, tuple(x.rows)), [])
            if not found or found[-1] is not r:
                found.append(r)
    for g in res.undone:
        if g.rule is None:
            continue
        for r in applied_by.get((g.account, g.code, tuple(g.rows)), ()):
            info = raw_journal.get(r.run_id) or {}
            for row in g.rows:
                prev = (info.get("previous") or {}).get(str(row))
                if prev is not None:
                    verbatim[int(row)] = (str(prev[0]), str(prev[1]))
            whole_runs.add(r.run_id)
    strip = bool(run_id and (raw_journal.get(run_id) or {}).get("eol_added"))
    try:
        rw = frame_rewrite(raw, ledger.frame, res.frame, verbatim=verbatim, strip_final_eol=strip)
    except RewriteError as exc:
        raise UserError(f"{fec.name} n'est pas réécrit : {exc}") from exc
    # the journal forgets what was undone
    undone = {(g.account, g.code) for g in res.undone if g.rule is not None}
    kept = []
    for r in runs:
        if run_id is not None and r.run_id == run_id:
            continue
        groups = tuple(g for g in r.groups if (g.account, g.code) not in undone)
        if groups:
            kept.append(r.model_copy(update={"groups": groups}))
    plan = LedgerPlan(target, _sha(raw) if _same_file(fec, target) else (_sha(target.read_bytes()) if target.exists() else None),
                      rw.data, journal_bytes(target, kept, raw_journal), undone=tuple(res.undone))
    with frozen_heap():
        outputs = commit_ledger(plan, kind="délettrage")
    n_lines = sum(len(g.rows) for g in res.undone)
    what = f"lancement {run_id}" if run_id else " ".join(x for x in (f"code {code}" if code else "", f"compte {account}" if account else "") if x)
    summary = [f"{len(res.undone)} lettrage(s) défait(s) ({n_lines} lignes) : {what}", f"FEC écrit : {target.name} ; journal : {journal_path(target).name}"]
    before = (raw_journal.get(run_id) or {}).get("before") if run_id else None
    if before:
        after = _sha(rw.data)
        if after == before:
            summary.append(f"Le FEC a retrouvé exactement ses octets d'avant le lancement (SHA-256 {after}).")
        else:
            summary.append(f"Attention : le FEC diffère de celui d'avant le lancement (SHA-256 {after}, attendu {before}) : "
                           "il a été modifié depuis, ou d'autres lancements restent appliqués.")
    return LetteringOutcome(summary, res.alerts, outputs, undone=list(res.undone))


def _typed(value: Any) -> str | None:
    """A value the user typed in an input cell, as text (401000.0 typed as a number -> "401000")."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def undo_request(book: Workbook) -> tuple[str | None, str | None, dict[str, int]]:
    """(code, account) typed in the « Délettrer : code / compte » cells of the proposals sheet,
    and the Excel rows of those cells. Values only: any engine can read them."""
    if SHEET not in book.sheet_names():
        return None, None, {}
    found: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for i, line in enumerate(book.read_values(SHEET)[:40], start=1):
        label = _typed(line[0]) if line else None
        if label == "Groupe":
            break
        if label in (UNDO_CODE_LABEL, UNDO_ACCOUNT_LABEL):
            rows[label] = i
            found[label] = _typed(line[1]) if len(line) > 1 else None
    return found.get(UNDO_CODE_LABEL), found.get(UNDO_ACCOUNT_LABEL), rows


def undo_from_book(book: Workbook, fec_path: str | Path) -> LetteringOutcome:
    """« Délettrer » from the proposals sheet: the code and/or account typed in its input
    cells (then emptied), else the last run. Rows of the undone groups are marked « délettré »."""
    code, account, cells = undo_request(book)
    if code is None and account is None:
        outcome = undo_on_file(fec_path, last=True)
        outcome.summary.append(UNDO_HINT.format(fec=Path(fec_path).name))
        return outcome
    outcome = undo_on_file(fec_path, code=code, account=account)
    if outcome.undone:
        book.write_cells(SHEET, {(r, 2): None for r in cells.values()})
        undone = {(str(g.account), str(g.code)) for g in outcome.undone}
        table = read_table(book, SHEET, required=["Groupe", "Compte", "Code", "État"])
        col_state = table.column_index("État")
        marks = {}
        for row in table.rows:
            key = (_typed(row.get("Compte")) or "", _typed(row.get("Code")) or "")
            if key in undone and col_state:
                marks[(row.excel_row, col_state)] = f"délettré {key[1]}"
        if marks:
            book.write_cells(SHEET, marks)
    return outcome


def fec_for_book(book: Any, fec: str | Path | None = None) -> Path:
    """The FEC a workbook works on: explicit, else ``REGLO_FEC``, else the dossier's FEC
    (``REGLO_DOSSIER`` or the workbook's folder)."""
    import os

    if fec:
        return Path(fec)
    if os.environ.get("REGLO_FEC"):
        return Path(os.environ["REGLO_FEC"])
    from reglo.addin.shell.dossier import find_fec

    candidates = []
    if os.environ.get("REGLO_DOSSIER"):
        candidates.append(Path(os.environ["REGLO_DOSSIER"]))
    path = getattr(book, "path", None) or getattr(book, "fullname", None)
    if path:
        candidates.append(Path(str(path)).parent)
    for c in candidates:
        folder = c if c.is_dir() else c.parent
        if folder.is_dir():
            found, _ = find_fec(folder)
            if found:
                return found
    raise UserError("FEC introuvable : enregistrez le classeur dans le dossier de la société (à côté du FEC) ou indiquez-le dans REGLO_FEC.")


__all__ = ["SHEET", "PARAMS_SHEET", "WorkbookError", "apply_from_book", "fec_for_book", "journal_path", "load_runs", "propose_to_book",
           "read_choices", "save_runs", "undo_from_book", "undo_on_file", "undo_request", "write_proposals"]
