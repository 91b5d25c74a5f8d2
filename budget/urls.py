from django.urls import path

from . import views

app_name = "budget"

urlpatterns = [
    path("cicli/<int:cycle_id>/contesto/", views.overview, name="overview"),
    path("cicli/<int:cycle_id>/contesto/risorse-economiche/", views.resources, name="resources"),
    path("cicli/<int:cycle_id>/contesto/personale/", views.staff, name="staff"),
    path("cicli/<int:cycle_id>/contesto/quadro-economico/", views.economy, name="economy"),
    path("cicli/<int:cycle_id>/contesto/organi/", views.organs, name="organs"),
    path("cicli/<int:cycle_id>/contesto/file/", views.workbook, name="workbook"),
]
