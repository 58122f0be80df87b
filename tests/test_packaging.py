"""Reglo installs under one top-level name, ``reglo``: a wheel built from the repository and
installed into a clean environment imports ``reglo.*`` from outside the repository, and no
generic ``core`` / ``addin`` package is installed (they collided in xlwings' shared Python)."""
from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (found,) = out.glob("reglo-*.whl")
    return found


def test_wheel_holds_only_reglo(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("reglo-")}
    assert tops == {"reglo"}
    assert "reglo/core/writers/schemas/pain.001.001.09.xsd" in names
    assert "reglo/addin/xlam/vba/Reglo.bas" in names and "reglo/addin/xlam/customUI.xml" in names
    assert "reglo/addin/entrypoints/lite/main.py" in names
    assert not any(n.startswith(("core/", "addin/", "tests/", "bench/")) for n in names)


def test_clean_environment_imports_reglo_from_outside_the_repository(wheel, tmp_path):
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    target = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # third-party dependencies come from the test environment's site-packages as a plain path
    # entry: its .pth files (the editable install of the repository) are not processed
    (target / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = (
        "import importlib.util, sys\n"
        "import reglo.core.money, reglo.core.outcome, reglo.addin.entrypoints.cli, reglo.workbook_templates\n"
        "from reglo.addin.entrypoints.cli import build_parser\n"
        "build_parser()\n"
        "from reglo.core.writers.xml import schema_bytes\n"
        "assert schema_bytes('pain.001.001.09')\n"
        "print(reglo.core.money.__file__)\n"
        "print(importlib.util.find_spec('core'), importlib.util.find_spec('addin'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run([str(py), "-c", code], cwd=work, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    where, specs = proc.stdout.splitlines()
    assert Path(where).resolve().is_relative_to(target.resolve())
    assert specs == "None None"
