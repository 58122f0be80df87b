"""Customer payments (règlements clients): template rows → checks → allocation to open
invoices → job-site synthesis → bank entries; and the same from the accounting ledger.

Pure domain code (no Excel, no files, no clock): see ``docs/payments.md``.
"""
from reglo.core.payments.allocation import allocate
from reglo.core.payments.checks import CheckResult, check_rows
from reglo.core.payments.entries import PaymentEntries, build_entries, lettering_codes
from reglo.core.payments.ingest import HEADERS, SHEET, header_map, payment_key
from reglo.core.payments.ledger_import import LedgerImportResult, payments_from_ledger
from reglo.core.payments.model import (
    KIND,
    Allocation,
    BankJournal,
    Customer,
    JobSite,
    OpenInvoice,
    Payment,
    PaymentReference,
    PriorImport,
    RowStatus,
)
from reglo.core.payments.synthesis import JobSiteLine, Synthesis, job_site_synthesis

__all__ = [
    "KIND", "HEADERS", "SHEET", "Allocation", "BankJournal", "CheckResult", "Customer", "JobSite", "JobSiteLine",
    "LedgerImportResult", "OpenInvoice", "Payment", "PaymentEntries", "PaymentReference", "PriorImport", "RowStatus",
    "Synthesis", "allocate", "build_entries", "check_rows", "header_map", "job_site_synthesis", "lettering_codes",
    "payment_key", "payments_from_ledger",
]
