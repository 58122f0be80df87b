"""One descriptor per workflow (``reglo.addin.shell.workflows``): every button, command, demo
step, catalogue module, template and sheet check belongs to exactly one declared workflow,
and every piece a descriptor declares exists."""
from __future__ import annotations

import importlib
import pkgutil

from reglo.addin.shell.workflows import RIBBON_GROUPS, WORKFLOWS


def test_names_are_unique():
    assert len({w.name for w in WORKFLOWS}) == len(WORKFLOWS)


def test_declared_modules_exist():
    for w in WORKFLOWS:
        importlib.import_module(w.core)
        if w.shell:
            importlib.import_module(w.shell)
        if w.template:
            importlib.import_module(f"reglo.workbook_templates.{w.template}")
        if w.demo_step:
            importlib.import_module(f"reglo.addin.entrypoints.demo_steps.{w.demo_step}")


def test_ribbon_groups_come_from_the_descriptors():
    from reglo.addin.entrypoints.handlers import GROUPS

    assert tuple(GROUPS) == RIBBON_GROUPS


def test_every_button_belongs_to_its_workflow():
    from reglo.addin.entrypoints.handlers import load_all

    handlers = load_all()
    for w in WORKFLOWS:
        mine = [h.tag for h in sorted(handlers.values(), key=lambda h: (h.order, h.tag)) if h.group == w.ribbon_group]
        if w.buttons:  # declared one by one
            assert list(w.buttons) == mine, w.name
        elif w.ribbon_group:
            assert mine, f"{w.name}: no button in « {w.ribbon_group} »"
    assert {h.group for h in handlers.values()} <= set(RIBBON_GROUPS)


def test_every_command_belongs_to_one_workflow():
    import reglo.addin.entrypoints.commands as pkg

    modules = {m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")}
    declared = [c for w in WORKFLOWS for c in w.commands]
    assert len(declared) == len(set(declared))
    # a command module registers the command of the same name (disburse.py → « disburse »)
    assert set(declared) == modules


def test_every_demo_step_and_catalogue_module_belongs_to_one_workflow():
    import reglo.addin.entrypoints.demo_steps as steps
    from reglo.core import catalogue

    step_modules = {m.name for m in pkgutil.iter_modules(steps.__path__)}
    declared_steps = [w.demo_step for w in WORKFLOWS if w.demo_step]
    assert set(declared_steps) <= step_modules
    undeclared = step_modules - set(declared_steps)
    assert undeclared <= {"s20_fec_check"}  # the FEC check of the demo's outputs belongs to « check » below
    declared_catalogue = [c for w in WORKFLOWS for c in w.catalogue]
    assert len(declared_catalogue) == len(set(declared_catalogue))
    assert set(declared_catalogue) == set(catalogue._MODULES)


def test_sheet_checks_are_declared():
    from reglo.addin.shell.checks import load_checks

    declared = {s.casefold() for w in WORKFLOWS for s in w.sheet_checks}
    assert {c.sheet.casefold() for c in load_checks().values()} == declared
