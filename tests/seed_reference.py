"""What the tests know of the source report (the seed): the figures-only reference in tests/data.

The tests run from a clone with nothing beside it, so they never open the source document itself:
fixtures/tools/build_seed_reference.py writes these files from it, and is run again by hand when the
source changes.
"""
from __future__ import annotations

import importlib
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
TOOLS = ROOT / "fixtures" / "tools"

#: INDICE titles, strategic map percentages, and per scorecard the printed rows in print order.
REFERENCE: dict = json.loads((DATA / "seed_reference.json").read_text(encoding="utf-8"))


def tool(name: str) -> ModuleType:
    """A script of fixtures/tools as a module (they import one another by their file names)."""
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    return importlib.import_module(name)


@cache
def seed_shingles() -> frozenset[str]:
    """The hashes of the source's 12-word sequences (see build_seed_reference.py)."""
    return frozenset((DATA / REFERENCE["shingles"]["file"]).read_text(encoding="ascii").split())


def share_copied_from_seed(text: str) -> float:
    """The share of the text's 12-word sequences that occur in the source, as check_own_words.py counts it."""
    own = tool("build_seed_reference").shingle_hashes(text)
    return len(own & seed_shingles()) / len(own) if own else 0.0
