from django.urls import path

from . import views_editions, views_sections

app_name = "reports"

urlpatterns = [
    path("cicli/<int:cycle_id>/relazione/", views_sections.section_list, name="sections"),
    path("cicli/<int:cycle_id>/relazione/sezioni/<slug:key>/", views_sections.section_edit, name="section_edit"),
    path("cicli/<int:cycle_id>/relazione/anteprima/", views_sections.section_preview, name="section_preview"),
    path("cicli/<int:cycle_id>/relazione/edizioni/", views_editions.editions, name="editions"),
    path("cicli/<int:cycle_id>/relazione/edizioni/<int:number>/stato/", views_editions.edition_status,
         name="edition_status"),
    path("cicli/<int:cycle_id>/relazione/edizioni/<int:number>/file/", views_editions.edition_file,
         name="edition_file"),
]
