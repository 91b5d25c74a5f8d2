from django.urls import path, register_converter
from django.urls.converters import StringConverter

from . import views, views_entry, views_excel, views_workflow

app_name = "performance"


class CodeConverter(StringConverter):
    """A scorecard, indicator or period code: any text but "/" and NUL. PostgreSQL refuses NUL in a query
    (500); no code contains one, so such a URL is a 404 like any unknown code."""

    regex = r"[^/\x00]+"


register_converter(CodeConverter, "code")

urlpatterns = [
    path("", views.home, name="home"),
    path("cicli/<int:cycle_id>/schede/<code:code>/", views_entry.scorecard_detail, name="scorecard"),
    path("cicli/<int:cycle_id>/schede/<code:code>/righe/<code:indicator_code>/", views_entry.save_row,
         name="scorecard-row"),
    path("cicli/<int:cycle_id>/schede/<code:code>/anteprima/", views_entry.preview_row, name="scorecard-preview"),
    path("cicli/<int:cycle_id>/schede/<code:code>/invio/", views_entry.submission, name="scorecard-submission"),
    path("cicli/<int:cycle_id>/schede/<code:code>/excel/", views_excel.scorecard_excel, name="scorecard-excel"),
    path("cicli/<int:cycle_id>/indicatori/<code:code>/storico/", views_entry.history, name="history"),
    path("cicli/<int:cycle_id>/indicatori/<code:code>/evidenza/<code:period_code>/", views_entry.evidence,
         name="evidence"),
    path("cicli/<int:cycle_id>/periodi/<code:period_code>/blocco/", views_entry.period_lock, name="period-lock"),
    path("cicli/<int:cycle_id>/indicatori/<code:code>/", views.indicator_detail, name="indicator"),
    path("cicli/<int:cycle_id>/indicatori/<code:code>/rettifica/", views.override_request, name="override-request"),
    path("cicli/<int:cycle_id>/rettifiche/<int:override_id>/decisione/", views.override_decide,
         name="override-decide"),
    path("cicli/<int:cycle_id>/qualita/", views.quality, name="quality"),
    path("cicli/<int:cycle_id>/stato/", views_workflow.cycle_state, name="cycle-state"),
    path("cicli/<int:cycle_id>/stato/istantanee/<int:number>/", views_workflow.snapshot_file, name="cycle-snapshot"),
]
