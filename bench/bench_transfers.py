"""Benchmark: 100,000 SEPA credit transfers generated and XSD-validated (issue 6).

Run: ``python bench/bench_transfers.py [--transfers N] [--repeat R]``

Same deterministic inputs (accented supplier names, French IBANs and BICs, amounts in
cents, invoice references) for both sides, in the same run:

* **Reglo**: text cleaning (EPC character set) + ``CreditTransfer`` models (validated) +
  ``write_pain001`` + XSD validation (``check_pain001``: the document cut into chunk
  documents parsed and validated against the official XSD in 2 threads — lxml releases the
  GIL while parsing and validating; one thread on a 1-core machine), for pain.001.001.09
  (and .03 for information); the same validation in one thread is measured too
  (``validate_1_thread_s``);
* **sepaxml** (installed package): ``SepaTransfer.add_payment`` for each transfer (its own
  cleaning) + ``export(validate=False)`` — *without* validation (its validation cannot
  load 100,000 transfers).

Both sides get the same information (name, IBAN, BIC, amount, references, end-to-end id;
no creditor postal address, which sepaxml cannot take); Reglo with structured addresses is
measured too, for information. Figures: *generation* = Reglo ``write_pain001`` + XSD validation vs sepaxml ``export``
without validation (the issue's targets: ≤ 2.5 s and ≥ 2×); *end to end* adds the
preparation of the inputs on both sides (Reglo: EPC cleaning + validated models; sepaxml:
``add_payment``). Wall-clock and CPU (``process_time``) times are both recorded: on a
shared machine, CPU time is the fairer measure. Prints a table and writes
``bench/out/transfers.json``. Best of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reglo.core.banking import rib_key  # noqa: E402
from reglo.core.models import PostalAddress  # noqa: E402
from reglo.core.writers import sepa_text as st  # noqa: E402
from reglo.core.writers.pain001 import CreditTransfer, CreditTransferBatch, CreditTransferGroup, check_pain001, write_pain001  # noqa: E402
from reglo.core.writers.pain001 import validation_workers  # noqa: E402
from reglo.core.writers.xml import load_schema  # noqa: E402

EXECUTION = date(2026, 3, 31)
CREATED = datetime(2026, 3, 30, 18, 0, 0)
NAMES = ["Matériaux Rhône-Alpes", "Béton & Cie", "Électricité Générale Dupré", "Plâtrerie Lefèvre", "Menuiserie Œuvre", "Transports Müller"]
BANKS = [("30006", "AGRIFRPPXXX"), ("30004", "BNPAFRPPXXX"), ("20041", "PSSTFRPPXXX"), ("10278", "CMCIFR2AXXX")]


def french_iban(bank: str, branch: str, account: str) -> str:
    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account)}"
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    return f"FR{98 - int(digits) % 97:02d}{bban}"


def make_inputs(n: int, seed: int = 20260330) -> list[dict]:
    rng = random.Random(seed)
    ibans = {}
    rows = []
    for i in range(n):
        bank, bic = BANKS[i % len(BANKS)]
        key = (bank, i % 5000)
        if key not in ibans:
            ibans[key] = french_iban(bank, f"{rng.randint(1, 99999):05d}", f"{rng.randint(1, 10**11 - 1):011d}")
        rows.append({
            "name": f"{NAMES[i % len(NAMES)]} n° {i % 997}",
            "iban": ibans[key],
            "bic": bic,
            "cents": rng.randint(1, 2_500_000),
            "refs": [f"FA-2026-{rng.randint(1, 99999):05d}" for _ in range(1 + i % 3)],
            "e2e": f"VIR20260330180000-{i:06d}",
        })
    return rows


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _lap(start: tuple[float, float]) -> tuple[float, float]:
    w, c = _clock()
    return w - start[0], c - start[1]


def reglo(rows: list[dict], version: str, with_addresses: bool = False) -> tuple[float, dict]:
    """Prepare (clean texts + validated models), generate (write), validate (parse + XSD).

    Without addresses by default: sepaxml has no field for the creditor's postal address,
    so the comparison gives both sides the same information.
    """
    t0 = _clock()
    address = PostalAddress(street="12 rue de la Republique", postcode="69002", town="Lyon", country="FR") if with_addresses else None
    transfers = []
    for r in rows:
        name, _ = st.clean_text(r["name"], field="Nom", max_length=st.NAME_MAX)
        info, _ = st.pack_remittance(r["refs"], prefix="FACT")
        transfers.append(CreditTransfer(end_to_end_id=r["e2e"], amount=Decimal(r["cents"]).scaleb(-2), creditor_name=name, creditor_iban=r["iban"],
                                        creditor_bic=r["bic"], creditor_address=address, remittance_info=info))
    batch = CreditTransferBatch(initiating_party_name="Batiroc Construction SAS", initiating_party_id="472805696", debtor_name="Batiroc Construction SAS",
                                debtor_iban="FR1420041010050500013M02606", debtor_bic="PSSTFRPPXXX",
                                groups=(CreditTransferGroup(payment_info_id="VIR20260330180000-P1", requested_execution_date=EXECUTION, transfers=tuple(transfers)),))
    prepare = _lap(t0)
    t1 = _clock()
    data = write_pain001(batch, message_id="VIR20260330180000", created_at=CREATED, version=version)
    write = _lap(t1)
    t2 = _clock()
    errors = check_pain001(data, version)
    validate = _lap(t2)
    if errors:
        raise SystemExit(f"XSD errors: {errors[:3]}")
    t3 = _clock()
    if check_pain001(data, version, workers=1):  # for information: the same validation in one thread
        raise SystemExit("XSD errors (1 thread)")
    validate_1 = _lap(t3)
    gen_val = write[0] + validate[0]
    return gen_val, {
        "generate_and_validate_s": gen_val, "generate_and_validate_cpu_s": write[1] + validate[1],
        "write_s": write[0], "validate_s": validate[0], "validate_cpu_s": validate[1],
        "validate_1_thread_s": validate_1[0], "validate_1_thread_cpu_s": validate_1[1], "validate_workers": validation_workers(),
        "prepare_s": prepare[0], "end_to_end_s": prepare[0] + gen_val, "end_to_end_cpu_s": prepare[1] + write[1] + validate[1],
        "bytes": len(data),
    }


def sepaxml_export(rows: list[dict], version: str) -> tuple[float, dict]:
    """sepaxml: prepare (add_payment, its own cleaning) and generate (export) without validation."""
    from sepaxml import SepaTransfer

    t0 = _clock()
    sepa = SepaTransfer({"name": "Batiroc Construction SAS", "IBAN": "FR1420041010050500013M02606", "BIC": "PSSTFRPPXXX", "batch": True, "currency": "EUR"}, schema=version, clean=True)
    for r in rows:
        sepa.add_payment({"name": r["name"], "IBAN": r["iban"], "BIC": r["bic"], "amount": r["cents"], "execution_date": EXECUTION,
                          "description": "FACT " + " ".join(sorted(r["refs"])), "endtoend_id": r["e2e"]})
    prepare = _lap(t0)
    t1 = _clock()
    data = sepa.export(validate=False)
    export = _lap(t1)
    return export[0], {"export_s": export[0], "export_cpu_s": export[1], "prepare_s": prepare[0], "end_to_end_s": prepare[0] + export[0],
                       "end_to_end_cpu_s": prepare[1] + export[1], "bytes": len(data)}


def best(fn, rows, version, repeat, **kw):
    """Best of ``repeat`` runs: wall-clock figures from the fastest run by wall clock, CPU
    figures from the fastest by CPU (both are kept: on a shared machine they differ)."""
    runs = []
    for _ in range(repeat):
        gc.collect()
        runs.append(fn(rows, version, **kw))
    by_wall = min(runs, key=lambda r: r[0])
    cpu_key = next(k for k in by_wall[1] if k.endswith("_cpu_s"))
    by_cpu = min(runs, key=lambda r: r[1][cpu_key])
    merged = {k: (by_cpu[1][k] if k.endswith("_cpu_s") else v) for k, v in by_wall[1].items()}
    return by_wall[0], merged


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transfers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = make_inputs(args.transfers)
    for v in ("pain.001.001.09", "pain.001.001.03"):
        load_schema(v)  # parsed once per process, as in the add-in
    reglo(rows[:1000], "pain.001.001.09")  # warm-up (allocator, imports)
    results: dict = {"transfers": args.transfers, "python": platform.python_version(), "machine": platform.machine(), "repeat": args.repeat,
                     "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]}
    r3 = lambda d: {k: (round(x, 3) if isinstance(x, float) else x) for k, x in d.items()}  # noqa: E731
    for v in ("pain.001.001.09", "pain.001.001.03"):
        results[f"reglo_{v}"] = r3(best(reglo, rows, v, args.repeat)[1])
    results["reglo_pain.001.001.09_with_addresses"] = r3(best(reglo, rows, "pain.001.001.09", args.repeat, with_addresses=True)[1])
    results["sepaxml_pain.001.001.09_no_validation"] = r3(best(sepaxml_export, rows, "pain.001.001.09", max(1, min(args.repeat, 2)))[1])
    ours, theirs = results["reglo_pain.001.001.09"], results["sepaxml_pain.001.001.09_no_validation"]
    results["ratio_generation"] = round(theirs["export_s"] / ours["generate_and_validate_s"], 2)
    results["ratio_generation_cpu"] = round(theirs["export_cpu_s"] / ours["generate_and_validate_cpu_s"], 2)
    results["ratio_end_to_end"] = round(theirs["end_to_end_s"] / ours["end_to_end_s"], 2)
    results["ratio_end_to_end_cpu"] = round(theirs["end_to_end_cpu_s"] / ours["end_to_end_cpu_s"], 2)
    results["target_generate_and_validate_le_2_5_s"] = ours["generate_and_validate_s"] <= 2.5
    results["target_ratio_ge_2"] = results["ratio_generation"] >= 2
    results["load_average_at_end"] = os.getloadavg()[0]
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "transfers.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.transfers:,} virements (charge machine {results['load_average_at_start']:.1f} sur {os.cpu_count()} cœurs)".replace(",", " "))
    for k in ("reglo_pain.001.001.09", "reglo_pain.001.001.03", "reglo_pain.001.001.09_with_addresses", "sepaxml_pain.001.001.09_no_validation"):
        print(f"  {k:<40} {results[k]}")
    print(f"  génération : Reglo écrit + valide XSD en {ours['generate_and_validate_s']:.2f} s ; sepaxml exporte sans validation en {theirs['export_s']:.2f} s "
          f"→ {results['ratio_generation']}× (CPU {results['ratio_generation_cpu']}×)")
    print(f"  validation XSD : {ours['validate_s']:.2f} s en {ours['validate_workers']} fil(s) (CPU {ours['validate_cpu_s']:.2f} s) ; "
          f"{ours['validate_1_thread_s']:.2f} s en un seul fil")
    print(f"  de bout en bout (préparation comprise) : {ours['end_to_end_s']:.2f} s contre {theirs['end_to_end_s']:.2f} s → {results['ratio_end_to_end']}× (CPU {results['ratio_end_to_end_cpu']}×)")
    print(f"  objectifs : ≤ 2,5 s {'OK' if results['target_generate_and_validate_le_2_5_s'] else 'NON'} ; ≥ 2× {'OK' if results['target_ratio_ge_2'] else 'NON'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
