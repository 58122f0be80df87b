"""``reglo addin doctor`` on simulated Windows/macOS/Linux machines."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reglo.addin.xlam import build
from reglo.addin.xlam.doctor import FIX, INFO, OK, Machine, read_config, report, run_checks

ROOT = Path(__file__).resolve().parents[2]


def _windows(tmp_path: Path, **env) -> Machine:
    home = tmp_path / "Users" / "compta"
    (home / "AppData" / "Roaming").mkdir(parents=True, exist_ok=True)
    exe = home / "Python311" / "python.exe"
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_bytes(b"")
    (exe.parent / "pythonw.exe").write_bytes(b"")
    base = {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home), "PATH": ""}
    return Machine("win32", home, {**base, **env}, str(exe), (3, 11, 9))


def _install(machine: Machine, data: bytes | None = None, folder: int = 0) -> Path:
    target = machine.addin_dirs()[folder] / "reglo.xlam"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data if data is not None else build.build_bytes())
    return target


def _configure(machine: Machine, text: str) -> Path:
    path = machine.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _status(checks, needle):
    return next(c.status for c in checks if needle in c.text)


def test_ready_windows_machine(tmp_path):
    m = _windows(tmp_path)
    _install(m)
    _configure(m, f'"INTERPRETER_WIN","{Path(m.executable).parent / "pythonw.exe"}"\n')
    checks = run_checks(m)
    text, code = report(checks)
    assert code == 0, text
    assert text.splitlines()[0].startswith("OK : Python 3.11.9")
    assert _status(checks, "complément installé") == OK
    assert _status(checks, "complément cohérent") == OK
    assert _status(checks, "interpréteur utilisé par Excel") == OK
    assert text.endswith("Tout est prêt.")


def test_missing_addin_and_interpreter(tmp_path):
    m = _windows(tmp_path)
    checks = run_checks(m)
    text, code = report(checks)
    assert code == 1
    missing = next(c for c in checks if "absent" in c.text and "reglo.xlam" in c.text)
    assert missing.status == FIX and "xlwings addin install" in missing.text and "XLSTART" in missing.text
    interp = next(c for c in checks if "aucun interpréteur" in c.text)
    assert interp.status == FIX and "pythonw.exe" in interp.text and "INTERPRETER_WIN" in interp.text
    assert text.endswith("2 points à corriger.")
    assert all(line.startswith(("OK : ", "À corriger : ", "Info : ")) for line in text.splitlines()[:-2])


def test_wrong_interpreter_and_pythonpath(tmp_path):
    m = _windows(tmp_path)
    _install(m)
    _configure(m, '"INTERPRETER_WIN","C:\\Anaconda3\\pythonw.exe"\n"PYTHONPATH","C:\\nulle\\part"\n')
    checks = run_checks(m)
    assert _status(checks, "n'existe pas") == FIX
    assert _status(checks, "PYTHONPATH") == FIX


def test_stale_addin_is_reported(tmp_path):
    """An add-in built for another release has a button this package does not know."""
    from reglo.addin.entrypoints.handlers import HandlerInfo, load_all
    from reglo.addin.xlam import customui

    handlers = {**load_all(), "ancien_bouton": HandlerInfo("ancien_bouton", print, "Ancien", "Lettrage")}
    m = _windows(tmp_path)
    _install(m, build.build_bytes(customui.render(handlers)))
    assert _status(run_checks(m), "ancien_bouton") == FIX


def test_unreadable_addin(tmp_path):
    m = _windows(tmp_path)
    _install(m, b"pas un zip")
    assert _status(run_checks(m), "illisible") == FIX


def test_addin_installed_twice(tmp_path):
    m = _windows(tmp_path)
    _install(m, folder=0)
    _install(m, folder=1)
    assert _status(run_checks(m), "deux fois") == FIX


def test_xlwings_conf_hint(tmp_path):
    m = _windows(tmp_path)
    conf = Path(m.env["USERPROFILE"]) / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text('"INTERPRETER_WIN","C:\\Python311\\pythonw.exe"\n', encoding="utf-8")
    assert _status(run_checks(m), "xlwings.conf") == INFO


def test_mac_paths(tmp_path):
    m = Machine("darwin", tmp_path, {}, sys.executable, (3, 12, 1))
    assert "Startup.localized" in str(m.addin_dirs()[0])
    assert m.config_file().name == "reglo.conf" and "com.microsoft.Excel" in str(m.config_file())


def test_old_python(tmp_path):
    m = Machine("linux", tmp_path, {}, "/usr/bin/python3", (3, 9, 2))
    assert _status(run_checks(m), "Python 3.9.2") == FIX


def test_linux_says_where_the_addin_goes(tmp_path):
    m = Machine("linux", tmp_path, {}, sys.executable, (3, 11, 7))
    checks = run_checks(m)
    text, code = report(checks)
    assert code == 0
    info = next(c for c in checks if "Excel n'existe pas" in c.text)
    assert info.status == INFO and "reglo addin build" in info.text and "XLSTART" in info.text


def test_read_config_format(tmp_path):
    path = tmp_path / "reglo.conf"
    path.write_text('"INTERPRETER_WIN","C:\\Py\\pythonw.exe"\n"pythonpath","D:\\code"\nbruit\n', encoding="utf-8")
    assert read_config(path) == {"INTERPRETER_WIN": "C:\\Py\\pythonw.exe", "PYTHONPATH": "D:\\code"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the CLI run checks this machine")
def test_cli_doctor_on_linux(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "REGLO_LOG_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "reglo.addin.entrypoints.cli", "addin", "doctor"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("OK : Python ") and "Tout est prêt." in proc.stdout


def test_downloaded_addin_must_be_unblocked(tmp_path):
    m = _windows(tmp_path)
    path = _install(m)
    # NTFS keeps the mark of the web in the « reglo.xlam:Zone.Identifier » stream; on Linux
    # the same name is an ordinary file, which simulates it.
    Path(f"{path}:Zone.Identifier").write_text("[ZoneTransfer]\nZoneId=3\n", encoding="utf-8")
    blocked = next(c for c in run_checks(m) if "Débloquer" in c.text)
    assert blocked.status == FIX
