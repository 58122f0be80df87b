"""Shared fixtures: FloatOperation trap, xlwings remote-engine books, sample paths."""
from __future__ import annotations

import copy
import decimal
import os
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # tests only: free noncommercial key
os.environ.setdefault("REGLO_LOG_DIR", str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "reglo-log"))

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests judge results, never speed: no per-example deadline, no "too slow" health
# check (CI machines are shared and loaded).
settings.register_profile("reglo", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile("reglo")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _trap_float_operations():
    """Any Decimal(float) or float/Decimal comparison in core fails loudly."""
    ctx = decimal.getcontext()
    old = ctx.traps[decimal.FloatOperation]
    ctx.traps[decimal.FloatOperation] = True
    yield
    ctx.traps[decimal.FloatOperation] = old


def make_book(sheets: dict[str, list[list]] | list[list], sheet: str = "Feuil1", notes: dict[str, list] | None = None):
    """An ``xw.Book`` on xlwings' remote engine (no Excel needed), as in the harness note.

    ``sheets``: {name: 2-D values from A1}; empty cell "", dates as ISO strings ending in Z.
    """
    import xlwings as xw

    if isinstance(sheets, list):
        sheets = {sheet: sheets}
    payload = {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": "classeur.xlsx", "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [
            {"name": name, "values": values or [[""]], "pictures": [], "tables": [], "notes": (notes or {}).get(name, [])}
            for name, values in sheets.items()
        ],
    }
    return xw.Book(json=copy.deepcopy(payload))


@pytest.fixture
def remote_book():
    return make_book


# ---------------------------------------------------------------------------
# the payment register on both backends (reglo.addin.shell.registry)
# ---------------------------------------------------------------------------

class StoreBackend:
    """Opens a dossier's register on one backend. PostgreSQL: ``REGLO_TEST_PG_URL`` (each
    test gets its own dossier id on the shared test database)."""

    def __init__(self, name: str, url: str | None = None):
        import uuid

        self.name = name
        self.url = url
        self.dossier_id = f"test-{uuid.uuid4().hex[:12]}" if url else None

    def open(self, folder):
        from reglo.addin.shell.registry import open_store

        Path(folder).mkdir(parents=True, exist_ok=True)
        return open_store(folder, url=self.url, dossier_id=self.dossier_id)

    def args(self) -> list[str]:
        """How a child process opens the same register: ``[url, dossier_id]`` or ``[]``."""
        return [self.url, self.dossier_id] if self.url else []


def pg_test_url() -> str | None:
    url = os.environ.get("REGLO_TEST_PG_URL")
    if url:
        return url
    if os.environ.get("REGLO_REQUIRE_PG") == "1":
        pytest.fail("REGLO_REQUIRE_PG=1 mais REGLO_TEST_PG_URL n'est pas défini : les tests PostgreSQL doivent tourner (voir .ci/run).")
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def store_backend(request):
    """The same register tests on SQLite and on PostgreSQL (skipped locally without
    ``REGLO_TEST_PG_URL``; CI sets ``REGLO_REQUIRE_PG=1`` so that they must run)."""
    if request.param == "sqlite":
        return StoreBackend("sqlite")
    url = pg_test_url()
    if not url:
        pytest.skip("PostgreSQL : REGLO_TEST_PG_URL non défini")
    return StoreBackend("postgresql", url)
