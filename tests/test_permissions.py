"""Every URL and API endpoint, for every role: allowed or refused as the permission table says.

Roles are the demo users: resp.ri (service head of Registro imprese, in the Anagrafe area), resp.promozione
(service head of Promozione, in the Segreteria generale area), dirigente (Anagrafe area), segretario,
struttura, oiv, admin, and anonymous. A URL added to the project without a line here fails
`test_every_url_is_in_the_matrix`.
"""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver, resolve

from performance.models import Indicator, Level, Measurement, Override, Period, Scorecard

ROLES = ["anonymous", "resp.ri", "resp.promozione", "dirigente", "segretario", "struttura", "oiv", "admin"]


def row(anonymous, ri, prom, dirigente, segretario, struttura, oiv, admin):
    return dict(zip(ROLES, (anonymous, ri, prom, dirigente, segretario, struttura, oiv, admin)))


EVERYONE = row(302, 200, 200, 200, 200, 200, 200, 200)
API_READ = row(401, 200, 200, 200, 200, 200, 200, 200)
RI_ONLY_READ = row(302, 200, 404, 200, 200, 200, 200, 200)
RI_ONLY_API = row(401, 200, 404, 200, 200, 200, 200, 200)
CONTEXT_READ = row(302, 403, 403, 200, 200, 200, 200, 200)  # chapter 1's data: not for service heads
PUBLIC = row(200, 200, 200, 200, 200, 200, 200, 200)
PUBLIC_NONE = row(404, 404, 404, 404, 404, 404, 404, 404)

# (method, url with {placeholders}, data, expected by role)
MATRIX = [
    ("get", "/", None, EVERYONE),
    ("get", "/cicli/{cycle}/schede/RI/", None, RI_ONLY_READ),
    ("get", "/cicli/{cycle}/schede/PROM/", None, row(302, 404, 200, 404, 200, 200, 200, 200)),
    ("get", "/cicli/{cycle}/schede/DIR/", None, row(302, 404, 404, 200, 200, 200, 200, 200)),
    ("post", "/cicli/{cycle}/schede/RI/", {}, row(302, 302, 404, 302, 302, 302, 403, 302)),
    ("post", "/cicli/{cycle}/schede/RI/righe/1.5.03.04/", {}, row(302, 422, 404, 422, 422, 422, 403, 422)),
    ("get", "/cicli/{cycle}/schede/RI/anteprima/?indicatore={indicator}", None, RI_ONLY_READ),
    ("post", "/cicli/{cycle}/schede/RI/invio/", {"azione": "invia"}, row(302, 302, 404, 302, 302, 302, 403, 302)),
    ("get", "/cicli/{cycle}/schede/RI/excel/", None, RI_ONLY_READ),
    ("post", "/cicli/{cycle}/schede/RI/excel/", {}, row(302, 422, 404, 422, 422, 422, 403, 422)),
    ("get", "/cicli/{cycle}/indicatori/1.5.03.04/", None, RI_ONLY_READ),
    ("get", "/cicli/{cycle}/indicatori/1.5.03.04/storico/", None, RI_ONLY_READ),
    ("get", "/cicli/{cycle}/indicatori/1.5.03.04/evidenza/{period}/", None, RI_ONLY_READ),
    ("post", "/cicli/{cycle}/indicatori/1.5.03.04/rettifica/", {}, row(302, 302, 404, 302, 302, 302, 302, 302)),
    ("post", "/cicli/{cycle}/rettifiche/{override}/decisione/", {"decision": "reject", "note": "no"},
     row(302, 403, 403, 403, 302, 403, 403, 302)),
    ("post", "/cicli/{cycle}/periodi/{period}/blocco/", {"azione": "blocca"},
     row(302, 403, 403, 403, 302, 302, 403, 302)),
    ("get", "/cicli/{cycle}/qualita/", None, row(302, 403, 403, 403, 200, 200, 200, 200)),
    # The cycle's state page: staff, dirigenti and the OIV read it; each step is for its roles only (the OIV
    # decides validation, staff send and publish); without the confirmation box a permitted step answers 422.
    ("get", "/cicli/{cycle}/stato/", None, CONTEXT_READ),
    ("post", "/cicli/{cycle}/stato/", {"to_state": "under_validation", "expected_state": "reporting"},
     row(302, 403, 403, 403, 422, 422, 403, 422)),
    ("get", "/cicli/{cycle}/stato/istantanee/1/", None, row(302, 403, 403, 403, 404, 404, 404, 404)),
    ("get", "/cicli/{cycle}/contesto/", None, CONTEXT_READ),
    ("get", "/cicli/{cycle}/contesto/risorse-economiche/", None, CONTEXT_READ),
    ("get", "/cicli/{cycle}/contesto/personale/", None, CONTEXT_READ),
    ("get", "/cicli/{cycle}/contesto/quadro-economico/", None, CONTEXT_READ),
    ("get", "/cicli/{cycle}/contesto/organi/", None, CONTEXT_READ),
    ("get", "/cicli/{cycle}/contesto/file/", None, CONTEXT_READ),
    # Only the struttura tecnica (and the admin) replace the data; an empty upload is refused with 422.
    ("post", "/cicli/{cycle}/contesto/file/", {}, row(302, 403, 403, 403, 403, 422, 403, 422)),
    # Relazione texts: struttura/SG/admin edit (an empty form keeps the text and redirects), dirigenti and OIV
    # read, service heads are refused (unless named responsible of a section, see tests/reports).
    ("get", "/cicli/{cycle}/relazione/", None, CONTEXT_READ),
    ("get", "/cicli/{cycle}/relazione/sezioni/premessa/", None, CONTEXT_READ),
    ("post", "/cicli/{cycle}/relazione/sezioni/premessa/", {}, row(302, 403, 403, 403, 302, 302, 403, 302)),
    ("post", "/cicli/{cycle}/relazione/anteprima/", {"narrative": "**x**"}, row(302, 403, 403, 403, 200, 200, 403, 200)),
    # Relazione editions: dirigenti and OIV read and download, struttura/SG/admin also request; no edition
    # exists in this fixture, so the file and status URLs answer 404 to those who may see them.
    ("get", "/cicli/{cycle}/relazione/edizioni/", None, CONTEXT_READ),
    ("post", "/cicli/{cycle}/relazione/edizioni/", {"variant": "draft"}, row(302, 403, 403, 403, 302, 302, 403, 302)),
    ("get", "/cicli/{cycle}/relazione/edizioni/1/stato/", None, row(302, 403, 403, 404, 404, 404, 404, 404)),
    ("get", "/cicli/{cycle}/relazione/edizioni/1/file/", None, row(302, 403, 403, 404, 404, 404, 404, 404)),
    # The OIV workspace: the OIV works in it, staff read it (and answer the requests after a refusal), service
    # heads and dirigenti are refused. The demo cycle is in reporting: the OIV's comment is a conflict (409),
    # its decision without confirmation 422; no comment or decision exists, so those URLs answer 404.
    ("get", "/cicli/{cycle}/validazione/", None, row(302, 403, 403, 403, 200, 200, 200, 200)),
    ("post", "/cicli/{cycle}/validazione/osservazioni/", {"target": "general", "text": "x"},
     row(302, 403, 403, 403, 403, 403, 409, 403)),
    ("post", "/cicli/{cycle}/validazione/osservazioni/999999/risposta/", {"response": "x"},
     row(302, 403, 403, 403, 404, 404, 404, 404)),
    ("post", "/cicli/{cycle}/validazione/decisione/", {"outcome": "validated"},
     row(302, 403, 403, 403, 403, 403, 422, 403)),
    ("get", "/cicli/{cycle}/validazione/decisioni/999999/documento/", None, row(302, 404, 404, 404, 404, 404, 404, 404)),
    # Publication: staff publish (a POST without the confirmation box answers 422), dirigenti and the OIV read.
    ("get", "/cicli/{cycle}/pubblicazione/", None, CONTEXT_READ),
    ("post", "/cicli/{cycle}/pubblicazione/", {"azione": "pubblica"}, row(302, 403, 403, 403, 422, 422, 403, 422)),
    # The public pages need no login. Nothing is published in this fixture: the year and its files are 404
    # for everyone alike (tests/validation downloads real ones anonymously).
    ("get", "/trasparenza/", None, PUBLIC),
    ("get", "/trasparenza/cciaa-bergamo/performance/", None, PUBLIC),
    ("get", "/trasparenza/cciaa-bergamo/performance/2023/", None, PUBLIC_NONE),
    ("get", "/trasparenza/cciaa-bergamo/performance/2023/1/relazione.pdf", None, PUBLIC_NONE),
    ("get", "/trasparenza/cciaa-bergamo/performance/2023/risultati.csv", None, PUBLIC_NONE),
    ("get", "/api/v1/publications/", None, PUBLIC),
    ("get", "/api/v1/publications/999999/", None, PUBLIC_NONE),
    ("get", "/api/v1/publications/999999/results/", None, PUBLIC_NONE),
    ("get", "/accesso/", None, row(200, 302, 302, 302, 302, 302, 302, 302)),
    ("post", "/uscita/", {}, row(302, 302, 302, 302, 302, 302, 302, 302)),
    ("get", "/password/", None, EVERYONE),
    ("get", "/password/fatto/", None, EVERYONE),
    ("get", "/salute/", None, row(200, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/admin/", None, row(302, 302, 302, 302, 302, 200, 302, 200)),
    ("get", "/api/v1/", None, API_READ),
    # The API's description is public (an open-source project's API); its data is not.
    ("get", "/api/schema/", None, row(200, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/docs/", None, row(200, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/cycles/", None, API_READ),
    ("get", "/api/v1/cycles/{cycle}/", None, API_READ),
    ("get", "/api/v1/cycles/{cycle}/results/", None, API_READ),
    ("get", "/api/v1/cycles/{cycle}/explain/?level=entity&object={cycle}", None, API_READ),
    ("get", "/api/v1/perspectives/", None, API_READ),
    ("get", "/api/v1/perspectives/{perspective}/", None, API_READ),
    ("get", "/api/v1/strategic-objectives/", None, API_READ),
    ("get", "/api/v1/strategic-objectives/{so}/", None, API_READ),
    ("get", "/api/v1/operational-objectives/", None, API_READ),
    ("get", "/api/v1/operational-objectives/{oo}/", None, API_READ),
    ("get", "/api/v1/indicators/", None, API_READ),
    ("get", "/api/v1/indicators/{indicator}/", None, RI_ONLY_API),
    ("get", "/api/v1/indicators/{indicator}/explain/", None, RI_ONLY_API),
    ("get", "/api/v1/scorecards/", None, API_READ),
    ("get", "/api/v1/scorecards/{scorecard}/", None, RI_ONLY_API),
    ("get", "/api/v1/periods/", None, API_READ),
    ("get", "/api/v1/periods/{period_pk}/", None, API_READ),
    ("get", "/api/v1/measurements/", None, API_READ),
    ("get", "/api/v1/measurements/{measurement}/", None, RI_ONLY_API),
    ("post", "/api/v1/measurements/", {"cycle": "{cycle}", "indicator": "1.5.03.04", "period": "{period}",
                                       "value": "boh"}, row(401, 400, 404, 400, 400, 400, 403, 400)),
]

# URL names that are not pages of their own (DRF format suffixes) or belong to Django's admin.
NOT_IN_MATRIX = {"api-root"}


@pytest.fixture
def ids(demo_cycle):
    indicator = Indicator.objects.get(cycle=demo_cycle, code="1.5.03.04")
    period = Period.objects.get(cycle=demo_cycle, is_final=True)
    override = Override.objects.create(
        cycle=demo_cycle, level=Level.INDICATOR, object_id=indicator.pk, value=90, justification="prova",
        requested_by=get_user_model().objects.get(username="struttura"))
    so = indicator.operational_objective.strategic_objective
    measurement = Measurement.objects.get(indicator=indicator, period=period)
    measurement.evidence = SimpleUploadedFile("verbale.pdf", b"%PDF-1.7 prova")
    measurement.save()
    return {"cycle": demo_cycle.pk, "indicator": indicator.pk, "period": period.code, "period_pk": period.pk,
            "override": override.pk, "perspective": so.perspective_id, "so": so.pk,
            "oo": indicator.operational_objective_id,
            "scorecard": Scorecard.objects.get(cycle=demo_cycle, code="RI").pk,
            "measurement": Measurement.objects.get(indicator=indicator, period=period).pk}


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]  # a lone placeholder keeps its type: a JSON body carries ids as numbers
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data", "expected"), MATRIX, ids=[f"{m} {u}" for m, u, _d, _e in MATRIX])
def test_permission_matrix(ids, role, method, url, data, expected):
    client = Client()
    if role != "anonymous":
        client.force_login(get_user_model().objects.get(username=role))
    url = _fill(url, ids)
    if method == "get":
        response = client.get(url)
    elif url.startswith("/api/"):
        response = client.post(url, _fill(data, ids), content_type="application/json")
    else:
        response = client.post(url, _fill(data, ids))
    assert response.status_code == expected[role], f"{role} {method.upper()} {url}"


def _names(patterns, prefix=""):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            if str(pattern.pattern).startswith("admin/"):
                continue
            yield from _names(pattern.url_patterns, prefix + str(pattern.pattern))
        elif "format" not in str(pattern.pattern):
            yield pattern.name


def test_every_url_is_in_the_matrix(ids):
    covered = {resolve(_fill(url, ids).split("?")[0]).url_name for _m, url, _d, _e in MATRIX}
    names = set(_names(get_resolver().url_patterns)) - NOT_IN_MATRIX - {None}
    assert names - covered == set()
