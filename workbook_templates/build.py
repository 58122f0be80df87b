"""Generate every template: ``python -m reglo.workbook_templates.build [--out DIR]``.

Without ``--out`` the files are written to ``workbook_templates/xlsx/`` (committed; a test
checks that regenerating them gives the same sheet contents).
"""
from __future__ import annotations

import argparse
import sys

from reglo.workbook_templates import GENERATED_DIR, build_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reglo.workbook_templates.build", description="Génère les modèles de classeurs Reglo.")
    parser.add_argument("--out", default=str(GENERATED_DIR), help=f"dossier de sortie (par défaut : {GENERATED_DIR})")
    args = parser.parse_args(argv)
    for path in build_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
