"""User guides and the README's top sections are in French (issue 12, finding 14).

Developer documents may stay in English: ``docs/adr/``, ``docs/dev/``, the glossaries
(French → code) and the README's developer sections (from « ## Benchmarks » on)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEVELOPER = {"glossary.md", "glossary-ledger.md"}
EN = re.compile(r"\b(the|and|with|which|when|is|are|of|this|that|from|it)\b", re.IGNORECASE)
FR = re.compile(r"\b(le|la|les|et|avec|des|est|sont|du|une|dans|pour)\b", re.IGNORECASE)


def prose(text: str) -> str:
    """The text a reader reads: code blocks, inline code, links' targets and tables' code cells out."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def english_share(text: str) -> float:
    t = prose(text)
    en, fr = len(EN.findall(t)), len(FR.findall(t))
    return en / max(1, en + fr)


GUIDES = sorted(p.name for p in (ROOT / "docs").glob("*.md") if p.name not in DEVELOPER)


@pytest.mark.parametrize("name", GUIDES)
def test_user_guide_is_french(name):
    assert english_share((ROOT / "docs" / name).read_text(encoding="utf-8")) < 0.1


def test_readme_top_sections_are_french():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    top = text.split("## Benchmarks")[0]
    assert english_share(top) < 0.1
    for section in re.split(r"\n## ", top):
        assert english_share(section) < 0.15, section[:80]


def test_readme_first_commands_are_the_bootstrap_ones():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.DOTALL).group(1).splitlines()
    assert [l.split("#")[0].strip() for l in block[:2]] == ["python3 bootstrap.py demo", "python3 bootstrap.py test"]
