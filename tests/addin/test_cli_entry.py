"""The process entry point of the command line (``reglo.addin.entrypoints.cli.entry``): ``main``,
then an exit without the interpreter's teardown, losing nothing of what the command printed."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from reglo.addin.entrypoints import cli
from tests.addin.test_cli_fec import NAME, _line, _write

ROOT = Path(__file__).resolve().parents[2]


def test_the_console_script_and_the_module_run_the_entry():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["reglo"] == "reglo.addin.entrypoints.cli:entry"
    assert "entry()" in (ROOT / "addin" / "entrypoints" / "cli.py").read_text(encoding="utf-8").split('if __name__ == "__main__":')[1]


def test_entry_flushes_what_main_left_buffered_then_exits_with_its_code():
    """A command that printed, then failed (``main`` reports the error and returns without
    flushing stdout): the real ``os._exit`` loses nothing of it."""
    code = ("import sys; from reglo.addin.entrypoints import cli\n"
            "def main():\n    print('bilan partiel ' * 500, end='')\n    print('Erreur : exemple', file=sys.stderr)\n    return 2\n"
            "cli.main = main\ncli.entry()\nprint('jamais atteint')")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as a user's pipe is
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=120, env=env)
    assert proc.returncode == 2
    assert proc.stdout == ("bilan partiel " * 500).encode()
    assert proc.stderr.decode().strip() == "Erreur : exemple"


def test_a_long_report_written_to_a_file_is_whole(tmp_path: Path):
    """3,000 lines in error (a report of 1,000+ lines), stdout to a file: every line is there, as ``main`` prints them in
    this process, and the exit code is ``main``'s."""
    path = _write(tmp_path / NAME, [_line(EcritureNum=f"E{i}", Debit="abc") for i in range(3000)])
    out = tmp_path / "rapport.txt"
    with open(out, "wb") as f:
        proc = subprocess.run([sys.executable, "-m", "reglo.addin.entrypoints.cli", "fec", "check", str(path), "--max", "5000"], stdout=f,
                              stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
    in_process = subprocess.run([sys.executable, "-c", "import sys; from reglo.addin.entrypoints.cli import main; sys.exit(main(sys.argv[1:]))",
                                 "fec", "check", str(path), "--max", "5000"], capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == in_process.returncode != 0
    assert out.read_bytes() == in_process.stdout
    assert out.read_bytes().count(b"\n") > 1000
    assert b"Traceback" not in proc.stderr


def test_an_unusable_input_still_says_why_and_exits_2(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-m", "reglo.addin.entrypoints.cli", "letter", str(tmp_path / "absent.txt")], capture_output=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == cli.EXIT_UNUSABLE
    assert "FEC introuvable" in proc.stderr.decode("utf-8")
