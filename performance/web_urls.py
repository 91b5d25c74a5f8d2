from django.urls import path

from . import views, views_entry, views_excel, views_workflow

app_name = "performance"

urlpatterns = [
    path("", views.home, name="home"),
    path("cicli/<int:cycle_id>/schede/<str:code>/", views_entry.scorecard_detail, name="scorecard"),
    path("cicli/<int:cycle_id>/schede/<str:code>/righe/<str:indicator_code>/", views_entry.save_row,
         name="scorecard-row"),
    path("cicli/<int:cycle_id>/schede/<str:code>/anteprima/", views_entry.preview_row, name="scorecard-preview"),
    path("cicli/<int:cycle_id>/schede/<str:code>/invio/", views_entry.submission, name="scorecard-submission"),
    path("cicli/<int:cycle_id>/schede/<str:code>/excel/", views_excel.scorecard_excel, name="scorecard-excel"),
    path("cicli/<int:cycle_id>/indicatori/<str:code>/storico/", views_entry.history, name="history"),
    path("cicli/<int:cycle_id>/indicatori/<str:code>/evidenza/<str:period_code>/", views_entry.evidence,
         name="evidence"),
    path("cicli/<int:cycle_id>/periodi/<str:period_code>/blocco/", views_entry.period_lock, name="period-lock"),
    path("cicli/<int:cycle_id>/indicatori/<str:code>/", views.indicator_detail, name="indicator"),
    path("cicli/<int:cycle_id>/indicatori/<str:code>/rettifica/", views.override_request, name="override-request"),
    path("cicli/<int:cycle_id>/rettifiche/<int:override_id>/decisione/", views.override_decide,
         name="override-decide"),
    path("cicli/<int:cycle_id>/qualita/", views.quality, name="quality"),
    path("cicli/<int:cycle_id>/stato/", views_workflow.cycle_state, name="cycle-state"),
    path("cicli/<int:cycle_id>/stato/istantanee/<int:number>/", views_workflow.snapshot_file, name="cycle-snapshot"),
]
