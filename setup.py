"""Package mapping for setuptools: the repository's ``core/``, ``addin/`` and
``workbook_templates/`` folders install as ``reglo.core``, ``reglo.addin`` and
``reglo.workbook_templates`` (metadata is in pyproject.toml)."""
from setuptools import find_packages, setup

FOLDERS = ("core", "addin", "workbook_templates")
packages = [f"reglo.{folder}{'.' + sub if sub else ''}" for folder in FOLDERS for sub in ["", *find_packages(folder)]]
setup(packages=packages, package_dir={f"reglo.{folder}": folder for folder in FOLDERS})
