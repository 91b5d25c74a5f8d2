"""The demo's Relazione texts (fixtures/demo/relazione/<key>.md, written for Misura) put into the sections."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from performance.models import Cycle

from .models import FROZEN_STATES, Layout, ReportSection
from .structure import ensure_sections

NARRATIVES_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo" / "relazione"


def demo_narratives(folder: Path = NARRATIVES_DIR) -> dict[str, str]:
    """Section key -> Markdown, from the demo files (the README is not a section)."""
    return {path.stem: path.read_text(encoding="utf-8").strip()
            for path in sorted(folder.glob("*.md")) if path.name != "README.md"}


@transaction.atomic
def load_demo_narratives(cycle: Cycle, folder: Path = NARRATIVES_DIR) -> int:
    """Create the cycle's sections in both layouts and fill the empty narratives from the demo files.

    Idempotent: a narrative someone has written is kept, so running load_demo again never undoes an
    edit. Returns how many narratives were filled. A frozen cycle is left as it is."""
    texts = demo_narratives(folder)
    sections = [s for layout in Layout.values for s in ensure_sections(cycle, layout)]
    if Cycle.objects.filter(pk=cycle.pk, state__in=FROZEN_STATES).exists():
        return 0
    filled = []
    for section in sections:
        text = texts.get(section.key)
        if text and section.pk and not section.narrative.strip():
            section.narrative = text
            filled.append(section)
    if filled:
        bulk_update_with_history(filled, ReportSection, ["narrative"], batch_size=200,
                                 default_change_reason="Testo dimostrativo")
    return len(filled)
