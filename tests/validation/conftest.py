"""A cycle under the OIV's review; a validated demo cycle (validated with a small documento di validazione); and the real
PDF/A render of it done once per module: the data are the same frozen demo in every test, so later tests
reuse the bytes the real pipeline produced instead of paying ~10 s each."""
from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from performance.models import Cycle
from performance.workflow import transition_cycle
from reports import render as render_package
from validation.models import ValidationDecision

DOCUMENT = b"%PDF-1.7\n% documento di validazione dell'OIV (prova)\n%%EOF\n"


def user(name: str):
    return get_user_model().objects.get(username=name)


@pytest.fixture
def under_review(demo_cycle) -> Cycle:
    """The demo cycle sent to the OIV by the struttura tecnica: snapshot n. 1 under review."""
    transition_cycle(demo_cycle, Cycle.State.UNDER_VALIDATION, acting_user=user("struttura"), note="Pronta")
    return demo_cycle


def validate(cycle: Cycle) -> ValidationDecision:
    """Send the cycle to the OIV and validate it, as the OIV's workspace would."""
    snapshot = transition_cycle(cycle, Cycle.State.UNDER_VALIDATION, acting_user=user("struttura"),
                                note="Invio all'OIV").snapshot
    decision = ValidationDecision(cycle=cycle, snapshot=snapshot, outcome=ValidationDecision.Outcome.VALIDATED,
                                  decided_by=user("oiv"), decided_at=timezone.now(),
                                  document_sha256=hashlib.sha256(DOCUMENT).hexdigest())
    decision.document.save("validazione-2023.pdf", ContentFile(DOCUMENT), save=False)
    decision.save()
    transition_cycle(cycle, Cycle.State.VALIDATED, acting_user=user("oiv"))
    return decision


@pytest.fixture
def validated(demo_cycle) -> ValidationDecision:
    return validate(demo_cycle)


@pytest.fixture(scope="module")
def _rendered() -> dict:
    return {}


@pytest.fixture
def real_render(monkeypatch, _rendered) -> list:
    """The real render_pdf, run once per module and variant; returns the list of real renders made."""
    real = render_package.render_pdf
    calls = []

    def render_pdf(cycle, *, layout, variant, progress=None):
        if variant not in _rendered:
            calls.append(variant)
            _rendered[variant] = real(cycle, layout=layout, variant=variant, progress=progress)
        return _rendered[variant]

    monkeypatch.setattr(render_package, "render_pdf", render_pdf)
    return calls


@pytest.fixture
def run_tasks(monkeypatch, django_capture_on_commit_callbacks):
    """Publishing tasks run in the test's process when its transaction 'commits' (the broker is real in
    the tests, with no worker behind it)."""
    from validation.tasks import publish_cycle_task

    sent = []

    def delay(*args):
        sent.append(args)
        return publish_cycle_task.apply(args=args)

    monkeypatch.setattr(publish_cycle_task, "delay", delay)
    return sent
