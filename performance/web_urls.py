from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("", views.home, name="home"),
    path("cicli/<int:cycle_id>/schede/<str:code>/", views.scorecard_detail, name="scorecard"),
    path("cicli/<int:cycle_id>/indicatori/<str:code>/", views.indicator_detail, name="indicator"),
    path("cicli/<int:cycle_id>/indicatori/<str:code>/rettifica/", views.override_request, name="override-request"),
    path("cicli/<int:cycle_id>/rettifiche/<int:override_id>/decisione/", views.override_decide,
         name="override-decide"),
    path("cicli/<int:cycle_id>/qualita/", views.quality, name="quality"),
]
