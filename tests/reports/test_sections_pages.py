"""The Relazione's texts in the browser: list, edit with preview and history, roles, frozen cycle."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from performance.models import Cycle
from reports.models import ReportSection


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _url(cycle, key: str = "premessa") -> str:
    return f"/cicli/{cycle.pk}/relazione/sezioni/{key}/"


def _version(cycle, key: str = "premessa") -> str:
    return ReportSection.objects.get(cycle=cycle, layout="seed", key=key).updated_at.isoformat()


def test_list_shows_every_section_in_order(demo_cycle):
    response = _client("struttura").get(f"/cicli/{demo_cycle.pk}/relazione/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("PREMESSA") < html.index("IL QUADRO ECONOMICO") < html.index("Attrattività del territorio") \
        < html.index("AFFARI GENERALI") < html.index("CRUSCOTTO DEL DIRIGENTE") < html.index("IL PROCESSO DI MISURAZIONE")
    assert _url(demo_cycle, "so-1-1") in html
    dfp = _client("oiv").get(f"/cicli/{demo_cycle.pk}/relazione/?struttura=dfp").content.decode()
    assert "Sintesi delle informazioni" in dfp and f"{_url(demo_cycle, 'sintesi')}?struttura=dfp" in dfp


def test_edit_saves_and_records_history(demo_cycle):
    client = _client("struttura")
    page = client.get(_url(demo_cycle))
    assert page.status_code == 200 and "Con la Relazione sulla Performance" in page.content.decode()
    segretario = get_user_model().objects.get(username="segretario")
    response = client.post(_url(demo_cycle), {"narrative": "Nuova **premessa**.", "responsible": segretario.pk,
                                              "version": _version(demo_cycle)})
    assert response.status_code == 302
    section = ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="premessa")
    assert (section.narrative, section.responsible) == ("Nuova **premessa**.", segretario)
    latest = section.history.latest()
    assert latest.history_user.username == "struttura" and latest.narrative == "Nuova **premessa**."
    html = client.get(_url(demo_cycle)).content.decode()
    assert "Giulia Rota" in html and "<strong>premessa</strong>" in html and "responsabile" in html
    listing = client.get(f"/cicli/{demo_cycle.pk}/relazione/").content.decode()
    assert "Segretario Generale" in listing  # the responsible, and the last edit's author below
    assert "Giulia Rota" in listing


def test_list_shows_each_sections_latest_edit_by_a_person(demo_cycle):
    """The list's "Ultima modifica" is the last of several edits, per section (no DISTINCT ON: SQLite too)."""
    client = _client("struttura")
    edits = [(client, "premessa", "Prima versione."), (_client("segretario"), "premessa", "Seconda versione."),
             (client, "so-1-1", "Testo.")]
    for who, key, text in edits:
        response = who.post(_url(demo_cycle, key), {"narrative": text, "version": _version(demo_cycle, key)})
        assert response.status_code == 302
    html = client.get(f"/cicli/{demo_cycle.pk}/relazione/").content.decode()

    def row(key: str) -> str:
        end = html.index(f'href="{_url(demo_cycle, key)}"')
        return html[html.rindex("<tr>", 0, end):end]

    assert "Segretario Generale," in row("premessa") and "Giulia Rota," not in row("premessa")
    assert "Giulia Rota," in row("so-1-1")


def test_preview_returns_sanitised_html(demo_cycle):
    response = _client("struttura").post(f"/cicli/{demo_cycle.pk}/relazione/anteprima/",
                                         {"narrative": "**ok** <script>alert(1)</script>[x](javascript:alert(2))"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>ok</strong>" in body and "script" not in body and "javascript" not in body
    assert "Nessun testo" in _client("struttura").post(
        f"/cicli/{demo_cycle.pk}/relazione/anteprima/", {"narrative": ""}).content.decode()


def test_stored_script_is_never_served(demo_cycle):
    ReportSection.objects.filter(cycle=demo_cycle, layout="seed", key="premessa").update(
        narrative="<script>alert('x')</script>Testo")
    html = _client("oiv").get(_url(demo_cycle)).content.decode()
    assert "alert('x')" not in html and "Testo" in html


def test_frozen_cycle_refuses_edits(demo_cycle):
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    client = _client("struttura")
    page = client.get(_url(demo_cycle)).content.decode()
    assert "non si può più modificare" in page and 'name="narrative"' not in page
    response = client.post(_url(demo_cycle), {"narrative": "tardi", "version": _version(demo_cycle)})
    assert response.status_code == 409
    assert "non si può più modificare" in response.content.decode()
    premessa = ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="premessa")
    assert premessa.narrative.startswith("Con la Relazione")


def test_bad_responsible_is_refused_and_nothing_is_saved(demo_cycle, other_entity):
    stranger = get_user_model().objects.create_user("estraneo")
    response = _client("admin").post(_url(demo_cycle), {"narrative": "nuovo", "responsible": stranger.pk,
                                                        "version": _version(demo_cycle)})
    assert response.status_code == 422 and "Scegliere un utente" in response.content.decode()
    section = ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="premessa")
    assert section.narrative.startswith("Con la Relazione") and section.responsible is None


def test_concurrent_edit_is_not_overwritten(demo_cycle):
    old_version = _version(demo_cycle)
    _client("segretario").post(_url(demo_cycle), {"narrative": "prima modifica", "version": old_version})
    response = _client("struttura").post(_url(demo_cycle), {"narrative": "copia vecchia", "version": old_version})
    assert response.status_code == 409
    assert "Testo salvato nel frattempo" in response.content.decode() and "prima modifica" in response.content.decode()
    assert ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="premessa").narrative == "prima modifica"


@pytest.mark.parametrize(("username", "status"), [
    ("struttura", 302), ("segretario", 302), ("admin", 302), ("dirigente", 403), ("oiv", 403), ("resp.ri", 403),
])
def test_who_may_save(demo_cycle, username, status):
    response = _client(username).post(_url(demo_cycle), {"narrative": "x", "version": _version(demo_cycle)})
    assert response.status_code == status


@pytest.mark.parametrize(("username", "status", "editor"), [
    ("dirigente", 200, False), ("oiv", 200, False), ("resp.promozione", 403, False), ("segretario", 200, True),
])
def test_who_may_read(demo_cycle, username, status, editor):
    response = _client(username).get(_url(demo_cycle))
    assert response.status_code == status
    if status == 200:
        assert ('name="narrative"' in response.content.decode()) is editor


def test_responsible_edits_their_section_only(demo_cycle):
    prom = get_user_model().objects.get(username="resp.promozione")
    ReportSection.objects.filter(cycle=demo_cycle, layout="seed", key="unita-prom").update(responsible=prom)
    client = _client("resp.promozione")
    listing = client.get(f"/cicli/{demo_cycle.pk}/relazione/")
    assert listing.status_code == 200 and "PROMOZIONE" in listing.content.decode()
    assert "PREMESSA" not in listing.content.decode()
    ok = client.post(_url(demo_cycle, "unita-prom"), {"narrative": "Il servizio ha …",
                                                      "version": _version(demo_cycle, "unita-prom")})
    assert ok.status_code == 302
    assert client.post(_url(demo_cycle), {"narrative": "no"}).status_code == 403
    assert client.post(f"/cicli/{demo_cycle.pk}/relazione/anteprima/", {"narrative": "x"}).status_code == 200


def test_other_entity_gets_404(demo_cycle, other_entity):
    from organization.models import Membership, Role

    outsider = get_user_model().objects.create_user("altro.ente")
    Membership.objects.create(user=outsider, entity=other_entity, role=Role.STRUTTURA_TECNICA)
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/cicli/{demo_cycle.pk}/relazione/").status_code == 404
    assert client.get(_url(demo_cycle)).status_code == 404
    assert client.post(f"/cicli/{demo_cycle.pk}/relazione/anteprima/", {"narrative": "x"}).status_code == 404


def test_strategic_objective_section_shows_the_objective_text(demo_cycle):
    html = _client("struttura").get(_url(demo_cycle, "so-1-1")).content.decode()
    assert "La Camera lo ha usato per rafforzare" in html  # the opening of descrizioni_obiettivi/1.1.md
    assert 'name="narrative"' not in html and 'name="responsible"' in html
