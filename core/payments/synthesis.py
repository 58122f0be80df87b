"""Job-site synthesis (synthèse chantiers): invoiced, received, still due per job site.

Received = what payments allocated to the job site's invoices (this run and earlier
imports): the totals of the synthesis are therefore exactly the sum of the allocations.
An overpayment is not « received » on an invoice; it is shown apart as a customer credit.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping

from pydantic import BaseModel, ConfigDict

from reglo.core.money import ZERO, Money
from reglo.core.payments.model import NO_JOB_SITE, Allocation, JobSite, OpenInvoice


class JobSiteLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_site_code: str
    label: str = ""
    customer_code: str = ""
    invoice_count: int = 0
    invoiced: Money = ZERO
    received: Money = ZERO
    excess: Money = ZERO
    last_payment_date: date | None = None

    @property
    def due(self) -> Decimal:
        return self.invoiced - self.received

    @property
    def received_ratio(self) -> Decimal:
        """Share received, 0..1 with 4 decimals (0 when nothing invoiced)."""
        if self.invoiced <= 0:
            return Decimal("0.0000")
        return (self.received / self.invoiced).quantize(Decimal("0.0001"))


class Synthesis(BaseModel):
    model_config = ConfigDict(frozen=True)

    lines: tuple[JobSiteLine, ...]
    total: JobSiteLine


def job_site_synthesis(
    invoices: Iterable[OpenInvoice],
    allocations: Iterable[Allocation],
    *,
    job_sites: Mapping[str, JobSite] | None = None,
) -> Synthesis:
    """One line per job site (sorted by code, « sans chantier » last) and a total line.

    ``invoices`` carry their TTC amount (``received`` is ignored here: every receipt must
    come as an allocation, earlier imports included).
    """
    sites = job_sites or {}
    acc: dict[str, dict] = {}

    def slot(code: str) -> dict:
        if code not in acc:
            site = sites.get(code)
            acc[code] = {"invoiced": ZERO, "received": ZERO, "excess": ZERO, "count": 0, "last": None,
                         "label": site.label if site else ("(sans chantier)" if code == NO_JOB_SITE else ""),
                         "customers": {site.customer_code} if site and site.customer_code else set()}
        return acc[code]

    invoice_site: dict[str, str] = {}
    for inv in invoices:
        s = slot(inv.job_site_code)
        s["invoiced"] += inv.amount
        s["count"] += 1
        s["customers"].add(inv.customer_code)
        invoice_site[inv.invoice_number] = inv.job_site_code
    for a in allocations:
        code = invoice_site.get(a.payment.invoice_number, a.payment.job_site_code)
        s = slot(code)
        s["received"] += a.applied
        s["excess"] += a.excess
        d = a.payment.payment_date
        if s["last"] is None or d > s["last"]:
            s["last"] = d
    lines = []
    for code in sorted(acc, key=lambda c: (c == NO_JOB_SITE, c)):
        s = acc[code]
        lines.append(JobSiteLine(job_site_code=code, label=s["label"], customer_code=", ".join(sorted(c for c in s["customers"] if c)),
                                 invoice_count=s["count"], invoiced=s["invoiced"], received=s["received"], excess=s["excess"], last_payment_date=s["last"]))
    lasts = [l.last_payment_date for l in lines if l.last_payment_date]
    total = JobSiteLine(job_site_code="TOTAL", label="Total", invoice_count=sum(l.invoice_count for l in lines),
                        invoiced=sum((l.invoiced for l in lines), ZERO), received=sum((l.received for l in lines), ZERO),
                        excess=sum((l.excess for l in lines), ZERO), last_payment_date=max(lasts) if lasts else None)
    return Synthesis(lines=tuple(lines), total=total)
