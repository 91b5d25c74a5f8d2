from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("", views.home, name="home"),
    path("cicli/<int:cycle_id>/schede/<str:code>/", views.scorecard_detail, name="scorecard"),
]
