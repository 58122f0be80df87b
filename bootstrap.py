#!/usr/bin/env python3
"""One-command setup for Reglo: creates ``.venv``, installs the project, runs a job.

    python3 bootstrap.py demo [--out DIR]   # the demo dossier, every workflow
    python3 bootstrap.py test [PYTEST ARGS] # the whole test suite
    python3 bootstrap.py reglo ARGS...      # any reglo command

Works with only Python >= 3.11 on Linux, macOS and Windows (``py bootstrap.py ...``).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("REGLO_VENV", ROOT / ".venv"))


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _ensure_env(extras: str) -> Path:
    if sys.version_info < (3, 11):
        sys.exit("Reglo demande Python 3.11 ou plus récent.")
    py = _python()
    if not py.exists():
        print(f"Création de l'environnement virtuel {VENV} …", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    stamp = VENV / f".reglo-installed-{extras or 'base'}"
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in ("pyproject.toml", "setup.py"))).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installation de Reglo et de ses dépendances …", flush=True)
        target = f"{ROOT}[{extras}]" if extras else str(ROOT)
        subprocess.check_call([str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target])
        # the lettering search's compiled kernels, once per installation (about a minute: ahead
        # of time with a C compiler, else numba's cache; without them the lettering of a big
        # ledger compiles them at its first run)
        subprocess.call([str(py), "-m", "reglo.addin.shell.kernels"], cwd=ROOT)
        stamp.write_text(digest)
    return py


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "reglo"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "test":
        py = _ensure_env("test")
        return subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT)
    py = _ensure_env("")
    args = ["demo", *rest] if command == "demo" else rest
    if command == "demo" and "--out" not in rest:
        args += ["--out", str(ROOT / "reglo_demo")]
    return subprocess.call([str(py), "-m", "reglo.addin.entrypoints.cli", *args], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
