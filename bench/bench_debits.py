"""Benchmark: 100,000 SEPA direct debits generated and XSD-validated (issue 14).

Run: ``python bench/bench_debits.py [--debits N] [--repeat R]``

Same deterministic inputs (accented customer names, French IBANs and BICs, mandates and
signature dates, amounts in cents, invoice references, FRST / RCUR mix) for both sides, in the
same run:

* **Reglo**: ``DirectDebit`` models (validated) + ``write_checked_pain008`` (what « Générer » runs): writing and XSD validation against the
  official schema overlapped (each slice of transactions, once written, is parsed and validated
  by lxml as a chunk document in 2 threads while the next slice is written; one thread on a
  1-core machine), for pain.008.001.08 (and .02 for information); writing alone and the whole
  document validated in one thread are measured too, for information;
* **sepaxml** (installed package, test extra): ``SepaDD.add_payment`` for each debit (its own
  cleaning) + ``export(validate=False)``, *without* validation (its validation step cannot
  load 100,000 debits in reasonable time), pain.008.001.08.

Figures: *generation* = Reglo write + XSD validation vs sepaxml export without validation
(target: Reglo ≤ 1.5 s); *end to end* adds the preparation of the inputs on both sides.
Wall-clock and CPU (``process_time``) are both recorded. Prints a table and writes
``bench/out/debits.json``. Best of ``--repeat`` runs.
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
from reglo.core.writers import sepa_text as st  # noqa: E402
from reglo.core.writers.pain008 import DirectDebit, DirectDebitBatch, DirectDebitGroup, check_pain008, write_checked_pain008, write_pain008  # noqa: E402
from reglo.core.writers.pain001 import validation_workers  # noqa: E402
from reglo.core.writers.xml import load_schema  # noqa: E402

COLLECTION = date(2026, 3, 31)
CREATED = datetime(2026, 3, 27, 18, 0, 0)
ICS = "FR72ZZZ123456"
NAMES = ["Syndic Gestion Immobilière Nantaise", "Erdre Syndic Copropriétés", "OGEC École Sainte-Anne", "Vertou Distribution SAS", "Boulangerie Lefèvre", "Müller Bau"]
BANKS = [("30006", "AGRIFRPPXXX"), ("30004", "BNPAFRPPXXX"), ("20041", "PSSTFRPPXXX"), ("10278", "CMCIFR2AXXX")]


def french_iban(bank: str, branch: str, account: str) -> str:
    bban = f"{bank}{branch}{account}{rib_key(bank, branch, account)}"
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    return f"FR{98 - int(digits) % 97:02d}{bban}"


def make_inputs(n: int, seed: int = 20260327) -> list[dict]:
    rng = random.Random(seed)
    ibans = {}
    rows = []
    for i in range(n):
        bank, bic = BANKS[i % len(BANKS)]
        key = (bank, i % 5000)
        if key not in ibans:
            ibans[key] = french_iban(bank, f"{rng.randint(1, 99999):05d}", f"{rng.randint(1, 10**11 - 1):011d}")
        rows.append({
            "name": f"{NAMES[i % len(NAMES)]} n° {i % 997}", "iban": ibans[key], "bic": bic, "cents": rng.randint(1, 2_500_000),
            "refs": [f"FA-2026-{rng.randint(1, 99999):05d}" for _ in range(1 + i % 3)], "e2e": f"PRE20260327180000-{i:06d}",
            "rum": f"BATIROC-C{i:06d}", "signed": date(2020 + i % 6, 1 + i % 12, 1 + i % 28), "seq": "FRST" if i % 10 == 0 else "RCUR",
        })
    return rows


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _lap(start: tuple[float, float]) -> tuple[float, float]:
    w, c = _clock()
    return w - start[0], c - start[1]


def reglo(rows: list[dict], version: str) -> tuple[float, dict]:
    t0 = _clock()
    groups: dict[str, list[DirectDebit]] = {"FRST": [], "RCUR": []}
    for r in rows:
        name, _ = st.clean_text(r["name"], field="Nom", max_length=st.NAME_MAX)
        info, _ = st.pack_remittance(r["refs"], prefix="FACT")
        groups[r["seq"]].append(DirectDebit(end_to_end_id=r["e2e"], amount=Decimal(r["cents"]).scaleb(-2), debtor_name=name, debtor_iban=r["iban"],
                                            debtor_bic=r["bic"], mandate_id=r["rum"], mandate_signed_on=r["signed"], remittance_info=info))
    batch = DirectDebitBatch(initiating_party_name="Batiroc Construction SAS", initiating_party_id=ICS, creditor_name="Batiroc Construction SAS",
                             creditor_iban="FR1420041010050500013M02606", creditor_bic="PSSTFRPPXXX", creditor_id=ICS,
                             groups=tuple(DirectDebitGroup(payment_info_id=f"PRE20260327180000-{k}", collection_date=COLLECTION, sequence_type=seq, debits=tuple(ds))
                                          for k, (seq, ds) in enumerate(groups.items(), start=1) if ds))
    prepare = _lap(t0)
    gc.collect()
    t1 = _clock()
    data, errors = write_checked_pain008(batch, message_id="PRE20260327180000", created_at=CREATED, version=version)  # what « Générer » runs
    gen_val = _lap(t1)
    if errors:
        raise SystemExit(f"XSD errors: {errors[:3]}")
    # for information: the two steps one after the other (write, then the whole document in one thread)
    t2 = _clock()
    alone = write_pain008(batch, message_id="PRE20260327180000", created_at=CREATED, version=version)
    write = _lap(t2)
    t3 = _clock()
    if check_pain008(alone, version, workers=1) or alone != data:
        raise SystemExit("XSD errors (1 thread) or different bytes")
    validate_1 = _lap(t3)
    return gen_val[0], {
        "generate_and_validate_s": gen_val[0], "generate_and_validate_cpu_s": gen_val[1], "write_alone_s": write[0], "write_alone_cpu_s": write[1],
        "validate_1_thread_s": validate_1[0], "validate_1_thread_cpu_s": validate_1[1],
        "validate_workers": validation_workers(), "prepare_s": prepare[0], "end_to_end_s": prepare[0] + gen_val[0],
        "end_to_end_cpu_s": prepare[1] + gen_val[1], "bytes": len(data),
    }


def sepaxml_export(rows: list[dict], version: str) -> tuple[float, dict]:
    from sepaxml import SepaDD

    t0 = _clock()
    sepa = SepaDD({"name": "Batiroc Construction SAS", "IBAN": "FR1420041010050500013M02606", "BIC": "PSSTFRPPXXX", "batch": True,
                   "creditor_id": ICS, "currency": "EUR", "instrument": "CORE"}, schema=version, clean=True)
    for r in rows:
        sepa.add_payment({"name": r["name"], "IBAN": r["iban"], "BIC": r["bic"], "amount": r["cents"], "type": r["seq"], "collection_date": COLLECTION,
                          "mandate_id": r["rum"], "mandate_date": r["signed"], "description": "FACT " + " ".join(sorted(r["refs"])), "endtoend_id": r["e2e"]})
    prepare = _lap(t0)
    t1 = _clock()
    data = sepa.export(validate=False)
    export = _lap(t1)
    return export[0], {"export_s": export[0], "export_cpu_s": export[1], "prepare_s": prepare[0], "end_to_end_s": prepare[0] + export[0],
                       "end_to_end_cpu_s": prepare[1] + export[1], "bytes": len(data)}


def best(fn, rows, version, repeat):
    runs = []
    for _ in range(repeat):
        gc.collect()
        runs.append(fn(rows, version))
    by_wall = min(runs, key=lambda r: r[0])
    cpu_key = next(k for k in by_wall[1] if k.endswith("_cpu_s"))
    by_cpu = min(runs, key=lambda r: r[1][cpu_key])
    return by_wall[0], {k: (by_cpu[1][k] if k.endswith("_cpu_s") else v) for k, v in by_wall[1].items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--debits", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = make_inputs(args.debits)
    for v in ("pain.008.001.08", "pain.008.001.02"):
        load_schema(v)
    reglo(rows[:1000], "pain.008.001.08")  # warm-up
    results: dict = {"debits": args.debits, "python": platform.python_version(), "machine": platform.machine(), "repeat": args.repeat,
                     "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]}
    r3 = lambda d: {k: (round(x, 3) if isinstance(x, float) else x) for k, x in d.items()}  # noqa: E731
    for v in ("pain.008.001.08", "pain.008.001.02"):
        results[f"reglo_{v}"] = r3(best(reglo, rows, v, args.repeat)[1])
    results["sepaxml_pain.008.001.08_no_validation"] = r3(best(sepaxml_export, rows, "pain.008.001.08", max(1, min(args.repeat, 2)))[1])
    ours, theirs = results["reglo_pain.008.001.08"], results["sepaxml_pain.008.001.08_no_validation"]
    results["ratio_generation"] = round(theirs["export_s"] / ours["generate_and_validate_s"], 2)
    results["ratio_generation_cpu"] = round(theirs["export_cpu_s"] / ours["generate_and_validate_cpu_s"], 2)
    results["ratio_end_to_end"] = round(theirs["end_to_end_s"] / ours["end_to_end_s"], 2)
    results["target_generate_and_validate_le_1_5_s"] = ours["generate_and_validate_s"] <= 1.5
    results["load_average_at_end"] = os.getloadavg()[0]
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "debits.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.debits:,} prélèvements (charge machine {results['load_average_at_start']:.1f} sur {os.cpu_count()} cœurs)".replace(",", " "))
    for k in ("reglo_pain.008.001.08", "reglo_pain.008.001.02", "sepaxml_pain.008.001.08_no_validation"):
        print(f"  {k:<40} {results[k]}")
    print(f"  génération : Reglo écrit + valide XSD en {ours['generate_and_validate_s']:.2f} s ; sepaxml exporte sans validation en {theirs['export_s']:.2f} s "
          f"→ {results['ratio_generation']}× (CPU {results['ratio_generation_cpu']}×)")
    print(f"  écriture et validation XSD superposées ({ours['validate_workers']} fil(s) de validation) ; pour information, écriture seule "
          f"{ours['write_alone_s']:.2f} s (CPU {ours['write_alone_cpu_s']:.2f} s), validation du document entier en un fil {ours['validate_1_thread_s']:.2f} s "
          f"(CPU {ours['validate_1_thread_cpu_s']:.2f} s)")
    print(f"  de bout en bout (préparation comprise) : {ours['end_to_end_s']:.2f} s contre {theirs['end_to_end_s']:.2f} s → {results['ratio_end_to_end']}×")
    print(f"  objectif ≤ 1,5 s : {'OK' if results['target_generate_and_validate_le_1_5_s'] else 'NON'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
