"""Benchmark: 10,000 payable items through the five steps of the disbursement wizard
(target ≤ 3 s of engine time, i.e. time spent in ``reglo.core`` functions).

    python bench/bench_disbursement.py [--items 10000] [--repeat 3]

Input (deterministic, fixed seed, built before timing): 1,000 suppliers (priorities,
head offices, discount matrices, default banks), 3 company banks with disbursement limits
and a substitution account, 10,000 items in the STANDARD circuit states (transfers,
cheques, LCR, 2 % in US dollars), automatic and manual grouping rules.

Timed, step by step: selection with automatic discounts; preparation of every item with
automatic grouping; a manual group of groups, a discount, a partial payment, a deposit and
an undo; complete validation; F5 assignment of every payment with limits and
substitution, then manual assignment of the « Non affecté » ones; slips, cheque numbers,
printing; posting of every sequence (entries built). Beside it, the same-run reference
figures: validating the 10,000 input items with pydantic, and one JSON snapshot of the
final state (what the workbook stores), plus the outputs (pain.001 files XSD-checked,
FEC) when ``reglo.core.disbursement.outputs`` is present.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reglo.core.disbursement import actions as A  # noqa: E402
from reglo.core.disbursement.models import (  # noqa: E402
    CompanyBank,
    DifferenceKind,
    DiscountTier,
    GroupingRule,
    Item,
    PartyMatch,
    PaymentStage,
    PostingStatus,
    RunState,
    SelectionParams,
    Supplier,
)
from reglo.core.disbursement.posting import pending_entries  # noqa: E402

RUN_DATE = date(2026, 3, 2)
IBANS = ["FR7630006000011234567890189", "FR7610107001011234567890129", "FR7630004000031234567890143"]


def build_input(n_items: int, seed: int = 20261206):
    rnd = random.Random(seed)
    suppliers = []
    for k in range(1000):
        suppliers.append(
            dict(
                code=f"F{k:04d}", name=f"FOURNISSEUR {k}", priority=rnd.randint(0, 99), head_office=f"CENT{k // 5}" if k % 3 == 0 else "",
                default_bank=rnd.choice(["BNP", "BNP", "SG", "CA", ""]), iban=IBANS[k % 3],
                discount_matrix=[dict(days_before_due=10, rate="1.5")] if k % 4 == 0 else [],
            )
        )
    items = []
    for k in range(n_items):
        state = rnd.choices(["A10", "C10", "L10", "I10"], weights=[70, 15, 13, 2])[0]
        usd = state == "I10"
        amount = Decimal(rnd.randint(1000, 500000)) / 100
        items.append(
            dict(
                key=f"E{k:05d}", supplier=f"F{rnd.randrange(1000):04d}", document_ref=f"FA{k:06d}", label=f"Facture {k}",
                issue_date=(RUN_DATE - timedelta(days=rnd.randint(1, 60))).isoformat(), due_date=(RUN_DATE + timedelta(days=rnd.randint(-5, 90))).isoformat(),
                amount=str(amount), currency="USD" if usd else "EUR", main_amount=str((amount * Decimal("0.92")).quantize(Decimal("0.01"))) if usd else None, state=state,
            )
        )
    return suppliers, items


def engine_run(suppliers, items) -> tuple[RunState, dict[str, float], int]:
    t: dict[str, float] = {}
    c: dict[str, float] = {}

    def step(name, fn):
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        t[name] = t.get(name, 0.0) + time.perf_counter() - start
        c[name] = c.get(name, 0.0) + time.process_time() - cpu
        return out

    banks = (
        CompanyBank(code="BNP", journal_code="BQ1", ledger_account="512100", iban="FR7630004000031234567890143", bic="BNPAFRPP", balance=Decimal("3000000"), disbursement_limit=Decimal("1500000"), substitute_account="SG"),
        CompanyBank(code="SG", journal_code="BQ2", ledger_account="512200", iban="FR7630003000301234567890185", bic="SOGEFRPP", balance=Decimal("20000000")),
        CompanyBank(code="CA", journal_code="BQ3", ledger_account="512300", iban="FR7630006000011234567890189", bic="AGRIFRPP", balance=Decimal("2000000"), disbursement_limit=Decimal("0")),
    )
    rules = (
        GroupingRule(automatic=True, party=PartyMatch.SAME_SUPPLIER, same_bank=False, same_bank_details=True, max_days_apart=30),
        GroupingRule(automatic=False, party=PartyMatch.SAME_HEAD_OFFICE, same_bank=False, same_bank_details=False),
    )

    def start():
        sups = tuple(Supplier.model_validate(s) for s in suppliers)
        its = tuple(Item.model_validate(i) for i in items)
        return A.start_run(run_id="BENCH", user="bench", run_date=RUN_DATE, items=its, suppliers=sups, banks=banks, rules=rules, params=SelectionParams(auto_discounts=True))[0]

    s = step("0 start (validate input models)", start)

    def do(name, action):
        nonlocal s
        s, alerts = step(name, lambda: A.apply(s, action))
        blocking = [a for a in alerts if a.is_blocking]
        assert not blocking, (name, [str(a) for a in blocking[:3]])

    do("1 selection (filters, sort, discounts)", A.Next())
    do("2 preparation (all items, automatic grouping)", A.Prepare(keys=s.to_pay))
    groups = [g.group_id for g in s.groups if g.mode == "VIR"]
    members = {}
    for p in s.prepared:
        members.setdefault(p.group_id, []).append(p.key)
    same_sup = {}
    supplier_of = {i.key: i.supplier for i in s.items}
    for g in groups:
        sup = supplier_of[members[g][0]]
        same_sup.setdefault(sup, []).append(g)
    pair = next(v for v in same_sup.values() if len(v) >= 2)
    do("2 manual actions (group of groups, discount, partial, deposit, undo)", A.Group(units=tuple(pair[:2])))
    do("2 manual actions (group of groups, discount, partial, deposit, undo)", A.AddDifference(difference=DifferenceKind.DISCOUNT, current=s.groups[-1].group_id, rate=Decimal("2")))
    single = next(p.key for p in s.prepared if not p.group_id and p.mode == "VIR")
    do("2 manual actions (group of groups, discount, partial, deposit, undo)", A.AddDifference(difference=DifferenceKind.PARTIAL, current=single, amount=Decimal("1.00")))
    do("2 manual actions (group of groups, discount, partial, deposit, undo)", A.Deposit(supplier="F0001", amount=Decimal("500"), vat_code="TVA20"))
    do("2 manual actions (group of groups, discount, partial, deposit, undo)", A.Unprepare(keys=(single,)))
    do("2 manual actions (group of groups, discount, partial, deposit, undo)", A.Undo())
    do("2 validation (complete)", A.Next(confirmed=True))
    do("3 issue (F5 on every payment: limits, substitution)", A.Assign(payment_ids=tuple(p.payment_id for p in s.payments if p.stage is PaymentStage.PREPARED)))
    do("3 issue (manual assignment of « Non affecté »)", A.AssignTo(payment_ids=tuple(p.payment_id for p in s.payments if p.bank == ""), bank="SG"))
    do("4 slips (build)", A.Next())
    for sl in s.slips:
        if sl.mode == "CHQ":
            do("4 slips (cheque numbers, print)", A.SetFirstCheque(slip_id=sl.slip_id, number=100001))
    do("4 slips (cheque numbers, print)", A.PrintSlips())
    do("5 posting (start)", A.Next())
    do("5 posting (start)", A.Post())
    entries = step("5 posting (entries of every sequence)", lambda: pending_entries(s))
    do("5 posting (confirm, finish)", A.ConfirmPosting())
    do("5 posting (confirm, finish)", A.Finish())
    assert all(e.is_balanced for e in entries)
    return s, t, c, len(entries)


def end_to_end(suppliers, items) -> tuple[float, float, dict[str, float]]:
    """The same run through the workbook shell on an .xlsx file (openpyxl backend): every
    action reads the snapshot, applies, saves snapshot + log and rewrites its step sheet."""
    import tempfile

    from reglo.addin.backends.fastbook import open_book
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.addin.shell import disbursement as sd

    steps: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Décaissement.xlsx"
        book = FileWorkbook(path, create=True)
        sups = tuple(Supplier.model_validate(x) for x in suppliers)
        its = tuple(Item.model_validate(i) for i in items)
        banks = (
            CompanyBank(code="BNP", journal_code="BQ1", ledger_account="512100", iban="FR7630004000031234567890143", bic="BNPAFRPP", balance=Decimal("3000000"), disbursement_limit=Decimal("1500000"), substitute_account="SG"),
            CompanyBank(code="SG", journal_code="BQ2", ledger_account="512200", iban="FR7630003000301234567890185", bic="SOGEFRPP", balance=Decimal("20000000")),
            CompanyBank(code="CA", journal_code="BQ3", ledger_account="512300", iban="FR7630006000011234567890189", bic="AGRIFRPP", balance=Decimal("2000000"), disbursement_limit=Decimal("0")),
        )
        rules = (GroupingRule(automatic=True, party=PartyMatch.SAME_SUPPLIER, same_bank=False, same_bank_details=True, max_days_apart=30),)
        sd.write_inputs(book, items=its, suppliers=sups, banks=banks, rules=rules, settings={"Référence": "BENCH", "Utilisateur": "bench", "Date": RUN_DATE, "Raison sociale": "BENCH SAS",
                                                                                                   "SIREN": "552100554", "Fin d'exercice": date(2026, 12, 31)})
        book.save()
        start_all, cpu_all = time.perf_counter(), time.process_time()

        def act(name, kind, **values):
            start = time.perf_counter()
            b = open_book(path, "rapide")
            if kind == "demarrer":
                sd.start(b, dossier=tmp)
            else:
                r = sd.run_action(b, kind, sd.fields_for(kind, values), dossier=tmp)
                assert not [a for a in r.alerts if a.is_blocking], (kind, [str(a) for a in r.alerts if a.is_blocking][:3])
            b.save()
            steps[name] = steps.get(name, 0.0) + time.perf_counter() - start

        act("démarrer", "demarrer")
        act("suivant (sélection)", "suivant")
        state = sd.load_state(FileWorkbook(path))
        act("préparer tout", "preparer", keys=state.to_pay)
        act("suivant (validation)", "suivant", confirmed=True)
        state = sd.load_state(FileWorkbook(path))
        act("affecter (F5) tout", "affecter", keys=tuple(p.payment_id for p in state.payments))
        state = sd.load_state(FileWorkbook(path))
        act("affecter « Non affecté »", "affecter_banque", keys=tuple(p.payment_id for p in state.payments if p.bank == ""), bank="SG")
        act("suivant (bordereaux)", "suivant")
        state = sd.load_state(FileWorkbook(path))
        for sl in state.slips:
            if sl.mode == "CHQ":
                act("premier chèque", "premier_cheque", keys=(sl.slip_id,), number=100001)
        act("éditer les bordereaux (fichiers, registre)", "editer_bordereaux")
        act("suivant (comptabilisation)", "suivant")
        act("comptabiliser (FEC, registre)", "comptabiliser")
        # every output through the commit protocol: recorded, nothing pending
        from reglo.addin.shell.registry import open_store

        store = open_store(Path(tmp))
        try:
            snap = store.snapshot()
        finally:
            store.close()
        assert not [b for b in snap.batches if b.status == "pending"] and snap.live("decaissement") and snap.live("decaissement_ecritures")
        act("terminer", "terminer")
        return time.perf_counter() - start_all, time.process_time() - cpu_all, steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--end-to-end", action="store_true", help="also run the workbook shell on an .xlsx file (slow)")
    args = ap.parse_args()
    suppliers, items = build_input(args.items)
    best: dict[str, float] | None = None
    best_cpu: dict[str, float] = {}
    best_total = float("inf")
    for _ in range(args.repeat):
        state, t, c, n_entries = engine_run(suppliers, items)
        total = sum(t.values())
        if total < best_total:
            best, best_cpu, best_total = t, c, total
    assert best is not None
    # same-run references
    start, cpu = time.perf_counter(), time.process_time()
    text = state.model_dump_json()
    t_dump, c_dump = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    RunState.model_validate_json(text)
    t_load, c_load = time.perf_counter() - start, time.process_time() - cpu
    outputs = None
    from reglo.core.disbursement.outputs import plan_posting_files, plan_slip_files

    start, cpu = time.perf_counter(), time.process_time()
    posted = state.model_copy(update={"finished": False, "postings": tuple(b.model_copy(update={"status": PostingStatus.PENDING}) for b in state.postings)})
    slip_out = plan_slip_files(state, company_name="BENCH SAS", created_at=__import__("datetime").datetime(2026, 3, 2, 9, 0))
    fec_out = plan_posting_files(posted, siren="552100554", fiscal_year_end=date(2026, 12, 31))
    assert not fec_out.has_blocking and fec_out.files, [str(a) for a in fec_out.alerts][:3]
    files = slip_out.files + fec_out.files
    outputs = (time.perf_counter() - start, sum(len(f.data) for f in files), len(files), time.process_time() - cpu)
    payments = len(state.payments)
    print(f"{args.items} items → {payments} payments, {len(state.slips)} slips, {n_entries} entries (best of {args.repeat})")
    print(f"{'step':<72} {'wall s':>7} {'CPU s':>7}")
    for name, v in best.items():
        print(f"{name:<72} {v:7.3f} {best_cpu[name]:7.3f}")
    print(f"{'ENGINE TOTAL (target ≤ 3 s)':<72} {best_total:7.3f} {sum(best_cpu.values()):7.3f}")
    print(f"{'reference: JSON snapshot of the final state (' + str(len(text) // 1024) + ' KiB)':<72} {t_dump:7.3f} {c_dump:7.3f}")
    print(f"{'reference: reload of that snapshot':<72} {t_load:7.3f} {c_load:7.3f}")
    if outputs:
        print(f"{'outputs: slips, pain.001 (XSD-checked), cheque list, FEC (' + str(outputs[2]) + ' files, ' + str(outputs[1] // 1024) + ' KiB)':<72} {outputs[0]:7.3f} {outputs[3]:7.3f}")
    e2e = None
    if args.end_to_end:
        wall, cpu, steps = end_to_end(suppliers, items)
        e2e = {"wall": wall, "cpu": cpu, "steps": steps}
        print(f"{'END TO END through the workbook shell (.xlsx, fast backend), 12 actions':<72} {wall:7.3f} {cpu:7.3f}")
        for name, v in steps.items():
            print(f"  {name:<70} {v:7.3f}")
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "disbursement.json").write_text(
        json.dumps({"items": args.items, "payments": payments, "steps": best, "engine_total": best_total, "engine_cpu": sum(best_cpu.values()), "steps_cpu": best_cpu, "snapshot_dump": t_dump, "snapshot_load": t_load, "snapshot_bytes": len(text), "outputs": outputs, "end_to_end": e2e}, indent=2),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
