"""Deterministic generator of *lettered* ledgers: a year of FEC entries of a company (sales,
purchases, bank, miscellaneous journals) whose customer (411) and supplier (401) lines carry the
letters an accountant would have put, plus, per line, the pattern that produced it and its true
group. The lettering bench strips the letters, re-letters, and compares.

Mixture (per account; the figures are the generator's probabilities)
--------------------------------------------------------------------
Accounts: 70 % customers, 30 % suppliers. Each account has a *profile* (how it pays) and a
*reference habit* (how its payment labels name invoices):

- profiles, customers: regular payer 46 % (delay 20–50 days, ± 6), late payer 12 % (60–120
  days, ± 12), monthly statement payer 10 % (one transfer on the 5th–15th of the next month for
  every invoice of the month, labelled « RELEVE 03/2025 »), subscription customer 14 % (one
  invoice a month of 120,00 / 300,00 / 1 200,00, direct debit ~ 20 days later, about 1 month in
  7 unpaid: the same-amount trap), cheque payer 18 % (labels carry only the cheque number);
  suppliers: regular 70 %, late 10 %, subscription (rent, leases) 20 %;
- reference habits of transfer payers: full reference 35 % (« FA2025-00123 »), short forms
  30 % (« fa 123 », « FACT 123 », « N° 123 », « 000123 », « règlement facture 123 »,
  « fa2025-00123 »), none 35 %; 30 % of customers also write their own client number, and 15 %
  of labels a remittance number (digits that name no invoice).

Events of regular / late / cheque accounts (8–30 invoices a year, amounts log-normal around
800 €, 35 % of them round to 10 €): single payment 60 %, grouped payment of 2–6 invoices
naming all, some or none of them 8 %, instalments (2–4 payments for one invoice) 5 %, invoice
netted with its credit note then paid 5 %, payment short by bank fees with a write-off line of
1,50–9,90 € on the account 5 % (customers), partial payment left open (lower-case letters) 4 %,
unpaid invoice 6 %, deposit (acompte) before the invoice then the balance 7 %. Any payment
that would fall after 31/12 is not in the ledger: its invoice is open at closing (« unpaid »).

Why this is realistic: it follows what French accountants letter on 411/401 in an SME file —
most receipts are one transfer for one invoice, a minority name the invoice in full, many use a
short or personal spelling, cheques carry no reference; subscriptions and rents make long runs
of identical amounts where only the timing tells which month a payment settles; statement
payers and grouped payments make the large groups; credit notes, bank fees (foreign or
intermediary fees), instalments, deposits and partial payments are each a few percent of the
groups; and a year-end ledger always has open invoices, some of them in amounts that also
occur paid. The default size (500 accounts) gives about 38 000 FEC lines.

Seeds: ``TUNING_SEEDS`` are the only ones used to set the engine's weights and threshold;
``REPORT_SEEDS`` are for the reported figures only.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations

import numpy as np
import pandas as pd

TUNING_SEEDS = (1, 2, 3, 4, 5)
REPORT_SEEDS = (101, 102, 103)
START = date(2025, 1, 1)
END = date(2025, 12, 31)

PATTERNS = ("single_ref", "single_noref", "cheque", "grouped", "instalments", "credit_note", "bank_fees", "partial_open",
            "unpaid", "deposit", "recurring", "late", "statement")
OPEN_PATTERNS = ("partial_open", "unpaid")


@dataclass
class Bench:
    frame: pd.DataFrame  # the ledger, with the accountant's letters (reglo.core.ledger.COLUMNS)
    pattern: np.ndarray  # per line of ``frame``: the pattern that produced it ("" outside 411/401)
    group: np.ndarray  # per line: its true complete group (-1: open, partial, or not a third-party line)
    seed: int

    def truth_groups(self) -> dict[int, tuple[int, ...]]:
        rows = self.frame["source_row"].to_numpy()
        out: dict[int, list[int]] = {}
        for g, r in zip(self.group.tolist(), rows.tolist()):
            if g >= 0:
                out.setdefault(g, []).append(r)
        return {g: tuple(sorted(v)) for g, v in out.items()}


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.entries: list[tuple] = []  # (date, journal, [lines])
        self.group_id = 0
        self.inv_no = {"FA": 0, "AV": 0, "CDE": 0}
        self.codes: dict[str, int] = {}
        self.volume = 1.0

    # -- helpers ---------------------------------------------------------------------
    def amount(self) -> int:
        r = self.rng
        a = int(r.lognormvariate(6.7, 1.0) * 100)
        a = max(a, 3000)
        if r.random() < 0.35:
            a = max(1000, round(a, -3))
        return a

    def new_group(self) -> int:
        self.group_id += 1
        return self.group_id

    def add(self, day: date, journal: str, lines: list[dict]) -> None:
        self.entries.append((day, journal, lines))

    # a third-party line: dict with the fields the frame needs
    @staticmethod
    def tl(acc, aux, name, ref, label, signed, pattern, group, due=None, partial=None):
        return {"acc": acc, "aux": aux, "name": name, "ref": ref, "label": label, "signed": signed, "pattern": pattern, "group": group,
                "due": due, "partial": partial}

    @staticmethod
    def gl(acc, ref, label, signed):
        return {"acc": acc, "aux": "", "name": "", "ref": ref, "label": label, "signed": signed, "pattern": "", "group": -1, "due": None,
                "partial": None}


def _spell(rng: random.Random, habit: str, ref: str, number: int) -> str:
    if habit == "full":
        return rng.choice((ref, ref, f"FACTURE {ref}", ref.replace("-", " ")))
    if habit == "short":
        return rng.choice((f"fa {number}", f"FACT {number}", f"N° {number}", f"{number:06d}", f"règlement facture {number}",
                           ref.lower()))
    return ""


def generate(seed: int, accounts: int = 500, *, year_end: date = END, volume: float = 1.0) -> Bench:
    """``volume`` scales the number of ordinary invoices per account (1.0: the mixture above)."""
    g = _Gen(seed)
    g.volume = volume
    rng = g.rng
    for a in range(accounts):
        customer = rng.random() < 0.70
        if customer:
            profile = rng.choices(("regular", "late", "statement", "recurring", "cheque"), (46, 12, 10, 14, 18))[0]
            aux, name = f"C{a:05d}", f"CLIENT {a:05d}"
        else:
            profile = rng.choices(("regular", "late", "recurring"), (70, 10, 20))[0]
            aux, name = f"F{a:05d}", f"FOURNISSEUR {a:05d}"
        habit = "none" if profile == "cheque" else rng.choices(("full", "short", "none"), (35, 30, 35))[0]
        _account(g, customer, profile, habit, aux, name, year_end)
    return _frame(g, seed, year_end)


def _account(g: _Gen, customer: bool, profile: str, habit: str, aux: str, name: str, year_end: date) -> None:
    rng = g.rng
    acc = "411000" if customer else "401000"
    sign = 1 if customer else -1  # invoice side on the account
    client_no = f"CLIENT {rng.randrange(100, 9999):04d} " if customer and rng.random() < 0.3 else ""
    if profile == "late":
        mu, sd = rng.uniform(60, 120), 12
    else:
        mu, sd = rng.uniform(20, 50), 6
    sup_fmt = rng.choice(("F{n:06d}", "{n}/25", "FC-{n}", "INV{n:05d}"))
    # a price list: the same service or product sold again and again (same-amount traps)
    prices = [g.amount() for _ in range(rng.randrange(1, 4))] if rng.random() < 0.45 else []

    def price() -> int:
        return rng.choice(prices) if prices and rng.random() < 0.6 else g.amount()

    def invoice(day: date, amount: int, pattern: str, group: int, partial=None) -> tuple[str, int, dict]:
        if customer:
            g.inv_no["FA"] += 1
            n = g.inv_no["FA"]
            ref = f"FA2025-{n:05d}"
        else:
            n = rng.randrange(1000, 99999)
            ref = sup_fmt.format(n=n)
        due = day + timedelta(days=30)
        line = g.tl(acc, aux, name, ref, f"Facture {ref} {name}", sign * amount, pattern, group, due, partial)
        net = amount * 100 // 120
        other = "706000" if customer else "607000"
        vat = "445710" if customer else "445660"
        g.add(day, "VT" if customer else "AC", [line, g.gl(other, ref, f"Facture {ref}", -sign * net), g.gl(vat, ref, f"Facture {ref}", -sign * (amount - net))])
        return ref, n, line

    def pay_label(refs: list[tuple[str, int]], kind: str = "VIR", spell: str | None = None) -> str:
        spell = spell or habit
        words = [_spell(rng, spell, r, n) for r, n in refs] if spell != "none" else []
        noise = f"N° {rng.randrange(1000, 9999)} " if rng.random() < 0.15 else ""
        if customer:
            head = f"{kind} {name} {client_no}{noise}"
        else:
            head = f"VIR SEPA {name} {noise}"
        return (head + " ".join(w for w in words if w)).strip()

    def payment(day: date, amount: int, label: str, pattern: str, group: int, partial=None, cheque: bool = False) -> None:
        ref = f"RLV{day:%y%m}"
        if cheque:
            no = rng.randrange(1_000_000, 9_999_999)
            label = f"{rng.choice(('CHQ', 'REMISE CHQ', 'CHEQUE N°'))} {no}"
            ref = f"CHQ{no}"
        line = g.tl(acc, aux, name, ref, label, -sign * amount, pattern, group, None, partial)
        g.add(day, "BQ", [line, g.gl("512000", ref, label, sign * amount)])

    def delay() -> int:
        return max(1, int(rng.gauss(mu, sd)))

    def in_year(d: date) -> bool:
        return d <= year_end

    is_cheque = profile == "cheque"
    if profile == "recurring":
        amounts = [rng.choice((12000, 30000, 120000))]
        if rng.random() < 0.4:
            amounts.append(rng.choice((12000, 30000, 120000)))
        lag = rng.randrange(8, 25)
        for amount in amounts:
            day0 = rng.randrange(1, 28)
            for month in range(1, 13):
                d = date(2025, month, day0)
                pd_ = d + timedelta(days=lag + rng.randrange(-2, 3))
                if rng.random() < 0.14 or not in_year(pd_):
                    invoice(d, amount, "unpaid", -1)
                    continue
                gid = g.new_group()
                ref, n, _ = invoice(d, amount, "recurring", gid)
                payment(pd_, amount, pay_label([(ref, n)], "PRLV"), "recurring", gid)
        n_other = rng.randrange(2, 8)
    elif profile == "statement":
        for month in range(1, 13):
            days = sorted(rng.sample(range(1, 29), rng.randrange(2, 6)))
            gid = g.new_group()
            pay_day = date(2025, month, 1) + timedelta(days=31 + rng.randrange(4, 14))
            pay_day = date(pay_day.year, pay_day.month, min(pay_day.day, 28))
            paid = in_year(pay_day)
            total = 0
            for dd in days:
                amount = g.amount()
                if paid and rng.random() < 0.05:
                    invoice(date(2025, month, dd), amount, "unpaid", -1)  # contested: left out of the statement
                    continue
                invoice(date(2025, month, dd), amount, "statement" if paid else "unpaid", gid if paid else -1)
                total += amount
            if paid and total:
                payment(pay_day, total, f"VIR {name} RELEVE {month:02d}/2025", "statement", gid)
        n_other = rng.randrange(0, 4)
    else:
        n_other = int(rng.randrange(6, 25) * g.volume)
    # ordinary events
    kinds = ("single", "grouped", "instalments", "credit_note", "bank_fees", "partial_open", "unpaid", "deposit")
    weights = (60, 8, 5, 5, 5 if customer else 0, 4, 6, 7)
    made = 0
    while made < n_other:
        kind = rng.choices(kinds, weights)[0]
        d = START + timedelta(days=rng.randrange(0, 350))
        single_pattern = "late" if profile == "late" else "cheque" if is_cheque else ("single_ref" if habit != "none" else "single_noref")
        if kind == "single":
            made += 1
            amount = price()
            pd_ = d + timedelta(days=delay())
            if not in_year(pd_):
                invoice(d, amount, "unpaid", -1)
                continue
            gid = g.new_group()
            ref, n, _ = invoice(d, amount, single_pattern, gid)
            payment(pd_, amount, pay_label([(ref, n)]), single_pattern, gid, cheque=is_cheque)
        elif kind == "grouped":
            m = rng.randrange(2, 7)
            made += m
            days = sorted(d + timedelta(days=rng.randrange(0, 40)) for _ in range(m))
            pd_ = days[-1] + timedelta(days=delay())
            amounts = [price() for _ in range(m)]
            if not in_year(pd_):
                for dd, am in zip(days, amounts):
                    invoice(dd, am, "unpaid", -1)
                continue
            gid = g.new_group()
            refs = [invoice(dd, am, "grouped", gid)[:2] for dd, am in zip(days, amounts)]
            how = rng.random()
            named = refs if how < 0.3 else rng.sample(refs, rng.randrange(1, m)) if how < 0.7 else []
            label = pay_label(sorted(named, key=lambda x: x[1]), spell=habit if named else "none")
            payment(pd_, sum(amounts), label, "grouped", gid, cheque=is_cheque)
        elif kind == "instalments":
            made += 1
            amount = g.amount() * 2
            m = rng.randrange(2, 5)
            days = [d + timedelta(days=delay() // 2 + 30 * i) for i in range(m)]
            if not in_year(days[-1]):
                invoice(d, amount, "unpaid", -1)
                continue
            gid = g.new_group()
            ref, n, _ = invoice(d, amount, "instalments", gid)
            part = (amount // m) // 100 * 100
            parts = [part] * (m - 1) + [amount - part * (m - 1)]
            named = habit != "none" and rng.random() < 0.6
            for i, (dd, am) in enumerate(zip(days, parts)):
                label = pay_label([(ref, n)] if named else [], spell=habit if named else "none") + f" ECHEANCE {i + 1}/{m}"
                payment(dd, am, label, "instalments", gid, cheque=is_cheque)
        elif kind == "credit_note":
            made += 1
            amount = g.amount() + 10000
            pd_ = d + timedelta(days=delay() + 10)
            if not in_year(pd_):
                invoice(d, amount, "unpaid", -1)
                continue
            gid = g.new_group()
            ref, n, _ = invoice(d, amount, "credit_note", gid)
            credit = max(100, (amount * rng.randrange(10, 60) // 100) // 100 * 100)
            if customer:
                g.inv_no["AV"] += 1
                cref = f"AV2025-{g.inv_no['AV']:05d}"
            else:
                cref = f"AV{rng.randrange(1000, 99999)}"
            cday = d + timedelta(days=rng.randrange(3, 25))
            line = g.tl(acc, aux, name, cref, f"Avoir {cref} sur {ref}", -sign * credit, "credit_note", gid)
            g.add(cday, "VT" if customer else "AC", [line, g.gl("706000" if customer else "607000", cref, f"Avoir {cref}", sign * credit)])
            payment(pd_, amount - credit, pay_label([(ref, n)]), "credit_note", gid, cheque=is_cheque)
        elif kind == "bank_fees":
            made += 1
            amount = g.amount() + 20000
            pd_ = d + timedelta(days=delay())
            if not in_year(pd_):
                invoice(d, amount, "unpaid", -1)
                continue
            gid = g.new_group()
            ref, n, _ = invoice(d, amount, "bank_fees", gid)
            fee = rng.randrange(150, 991, 10)
            payment(pd_, amount - fee, pay_label([(ref, n)]), "bank_fees", gid, cheque=is_cheque)
            label = rng.choice((f"Frais bancaires {ref}", f"Ecart de reglement {ref}", "Frais bancaires virement"))
            line = g.tl(acc, aux, name, ref, label, -sign * fee, "bank_fees", gid)
            g.add(pd_, "OD", [line, g.gl("627000", ref, label, sign * fee)])
        elif kind == "partial_open":
            made += 1
            amount = price() * 2
            pd_ = d + timedelta(days=delay())
            if not in_year(pd_):
                invoice(d, amount, "unpaid", -1)
                continue
            key = ("partial", aux, made)
            ref, n, _ = invoice(d, amount, "partial_open", -1, partial=key)
            part = (amount * rng.randrange(20, 70) // 100) // 100 * 100
            label = pay_label([(ref, n)], spell=habit if habit != "none" else "full") + " ACOMPTE PARTIEL"
            payment(pd_, part, label, "partial_open", -1, partial=key, cheque=False)
        elif kind == "unpaid":
            made += 1
            invoice(d, price(), "unpaid", -1)
        elif kind == "deposit":
            made += 1
            amount = g.amount() + 20000
            dep_day = d - timedelta(days=rng.randrange(5, 40))
            if dep_day < START:
                dep_day = START
            pd_ = d + timedelta(days=delay())
            full = rng.random() < 0.3
            if not full and not in_year(pd_):
                invoice(d, amount, "unpaid", -1)
                continue
            gid = g.new_group()
            g.inv_no["CDE"] += 1
            order = f"CDE{g.inv_no['CDE']:05d}"
            deposit = amount if full else (amount * rng.choice((20, 30, 40, 50)) // 100) // 100 * 100
            payment(dep_day, deposit, f"{'VIR ' + name if customer else 'VIR SEPA ' + name} ACOMPTE {order}", "deposit", gid)
            ref, n, _ = invoice(d, amount, "deposit", gid)
            if not full:
                payment(pd_, amount - deposit, pay_label([(ref, n)]) + " SOLDE", "deposit", gid, cheque=is_cheque)


def _frame(g: _Gen, seed: int, year_end: date) -> Bench:
    from reglo.core.ledger import COLUMNS

    entries = sorted(enumerate(g.entries), key=lambda e: (e[1][0], e[1][1], e[0]))
    cols: dict[str, list] = {k: [] for k in ("journal", "num", "date", "acc", "aux", "name", "ref", "label", "signed", "due", "pattern",
                                             "group", "partial")}
    counters: dict[str, int] = {}
    labels = {"VT": "Ventes", "AC": "Achats", "BQ": "Banque", "OD": "Opérations diverses"}
    for _, (day, journal, lines) in entries:
        counters[journal] = counters.get(journal, 0) + 1
        num = f"{journal}{counters[journal]:06d}"
        for ln in lines:
            cols["journal"].append(journal)
            cols["num"].append(num)
            cols["date"].append(day)
            for k in ("acc", "aux", "name", "ref", "label", "signed", "due", "pattern", "group", "partial"):
                cols[k].append(ln[k])
    n = len(cols["signed"])
    signed = np.asarray(cols["signed"], dtype="int64")
    group = np.asarray(cols["group"], dtype="int64")
    dates = pd.to_datetime(pd.Series(cols["date"])).astype("datetime64[s]")
    # the accountant's letters: complete groups upper case, partial ones lower case, per account
    from reglo.core.lettering.codes import code_at

    letters = np.full(n, "", dtype=object)
    let_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    day_arr = dates.to_numpy()
    by_acc: dict[str, list[tuple]] = {}
    members: dict[object, list[int]] = {}
    for i in range(n):
        key = group[i] if group[i] >= 0 else cols["partial"][i]
        if key is not None and (group[i] >= 0 or cols["partial"][i] is not None):
            members.setdefault(key, []).append(i)
    ordered = sorted(members.items(), key=lambda kv: (max(day_arr[i] for i in kv[1]), min(kv[1])))
    for key, idx in ordered:
        aux = cols["aux"][idx[0]]
        rank = len(by_acc.setdefault(aux, []))
        by_acc[aux].append(key)
        code = code_at(rank)
        if isinstance(key, tuple):
            code = code.lower()
        last = max(day_arr[i] for i in idx)
        for i in idx:
            letters[i] = code
            let_on[i] = last
    frame = pd.DataFrame({
        "journal_code": cols["journal"], "journal_label": [labels[j] for j in cols["journal"]], "entry_number": cols["num"],
        "entry_date": dates, "ledger_account": cols["acc"],
        "ledger_account_label": ["Clients" if a == "411000" else "Fournisseurs" if a == "401000" else "" for a in cols["acc"]],
        "subledger_account": cols["aux"], "subledger_label": cols["name"], "document_ref": cols["ref"], "document_date": dates,
        "label": cols["label"], "debit": np.where(signed > 0, signed, 0), "credit": np.where(signed < 0, -signed, 0),
        "lettering_code": letters, "lettered_on": let_on, "validated_on": dates, "foreign_amount": pd.array([None] * n, dtype="Int64"),
        "currency": "", "due_date": pd.to_datetime(pd.Series(cols["due"])).astype("datetime64[s]"),
        "source_row": np.arange(2, n + 2, dtype="int64"),
    })
    for c in ("journal_code", "journal_label", "entry_number", "ledger_account", "ledger_account_label", "subledger_account",
              "subledger_label", "document_ref", "label", "lettering_code", "currency"):
        frame[c] = frame[c].astype("str")
    return Bench(frame=frame[list(COLUMNS)], pattern=np.asarray([p or "" for p in cols["pattern"]], dtype=object), group=group, seed=seed)


def stripped(bench: Bench) -> pd.DataFrame:
    """The ledger with the letters of 411/401 removed (what the letterer is given)."""
    f = bench.frame.copy()
    f["lettering_code"] = pd.Series([""] * len(f), index=f.index, dtype=bench.frame["lettering_code"].dtype)
    f["lettered_on"] = pd.Series(np.full(len(f), np.datetime64("NaT"), dtype="datetime64[s]"), index=f.index)
    return f


# ---------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------


def _pairs(rows) -> set[tuple[int, int]]:
    return set(combinations(sorted(rows), 2))


def score(bench: Bench, groups: list[tuple[int, ...]]) -> dict:
    """Per pattern and overall: pair precision and recall, groups recovered exactly.

    ``groups``: the complete groups a letterer applied (source rows); partial (lower-case)
    groups must not be passed (they count as open). An applied group is attributed to the
    pattern of the true group that holds most of its lines (open lines count under their own
    pattern, after true groups on a tie)."""
    rows = bench.frame["source_row"].to_numpy()
    row_pattern = dict(zip(rows.tolist(), bench.pattern.tolist()))
    row_group = dict(zip(rows.tolist(), bench.group.tolist()))
    truth = bench.truth_groups()
    truth_pattern = {gid: row_pattern[rs[0]] for gid, rs in truth.items()}
    stats = {p: {"pairs": 0, "correct": 0, "truth_pairs": 0, "found_pairs": 0, "truth_groups": 0, "exact": 0, "groups": 0} for p in PATTERNS}
    truth_sets = {frozenset(rs): gid for gid, rs in truth.items()}
    for gid, rs in truth.items():
        s = stats[truth_pattern[gid]]
        s["truth_groups"] += 1
        s["truth_pairs"] += len(rs) * (len(rs) - 1) // 2
    for grp in groups:
        votes: dict[object, int] = {}
        for r in grp:
            key = row_group.get(r, -1)
            key = key if key >= 0 else ("open", row_pattern.get(r, ""))
            votes[key] = votes.get(key, 0) + 1
        best = max(votes.items(), key=lambda kv: (kv[1], not isinstance(kv[0], tuple)))[0]
        pat = truth_pattern[best] if not isinstance(best, tuple) else (best[1] or "unpaid")
        s = stats[pat]
        s["groups"] += 1
        for a, b in _pairs(grp):
            s["pairs"] += 1
            ga, gb = row_group.get(a, -1), row_group.get(b, -1)
            if ga >= 0 and ga == gb:
                s["correct"] += 1
                stats[truth_pattern[ga]]["found_pairs"] += 1
        gid = truth_sets.get(frozenset(grp))
        if gid is not None:
            stats[truth_pattern[gid]]["exact"] += 1
    total = {k: sum(s[k] for s in stats.values()) for k in next(iter(stats.values()))}
    out = {}
    for name, s in list(stats.items()) + [("ALL", total)]:
        out[name] = {
            "precision": s["correct"] / s["pairs"] if s["pairs"] else 1.0,
            "recall": s["found_pairs"] / s["truth_pairs"] if s["truth_pairs"] else 1.0,
            "exact_groups": s["exact"] / s["truth_groups"] if s["truth_groups"] else 1.0,
            **s,
        }
    return out
