from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from performance.models import Cycle
from performance.workflow import transition_cycle


def user(name: str):
    return get_user_model().objects.get(username=name)


@pytest.fixture
def under_review(demo_cycle) -> Cycle:
    """The demo cycle sent to the OIV by the struttura tecnica: snapshot n. 1 under review."""
    transition_cycle(demo_cycle, Cycle.State.UNDER_VALIDATION, acting_user=user("struttura"), note="Pronta")
    return demo_cycle
