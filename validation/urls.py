from django.urls import path, register_converter

from . import views, views_public, views_staff

app_name = "validation"


class PublicFileConverter:
    """The last part of a publication file's URL (views_public.FILES); anything else is a 404."""

    regex = r"relazione\.pdf|documento-di-validazione\.pdf|risultati\.csv|risultati\.json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicFileConverter, "publicfile")
BASE = "trasparenza/<slug:entity>/performance/"

urlpatterns = [
    path("cicli/<int:cycle_id>/validazione/", views.workspace, name="workspace"),
    path("cicli/<int:cycle_id>/validazione/osservazioni/", views.add_comment, name="comment"),
    path("cicli/<int:cycle_id>/validazione/osservazioni/<int:comment_id>/risposta/", views.respond, name="respond"),
    path("cicli/<int:cycle_id>/validazione/decisione/", views.decide, name="decide"),
    path("cicli/<int:cycle_id>/validazione/decisioni/<int:decision_id>/documento/", views.decision_document,
         name="document"),
    path("cicli/<int:cycle_id>/pubblicazione/", views_staff.publication_page, name="publication"),
    path("trasparenza/", views_public.public_index, name="public-index"),
    path(BASE, views_public.public_entity, name="public-entity"),
    path(BASE + "<int:year>/", views_public.public_year, name="public-year"),
    path(BASE + "<int:year>/<int:number>/<publicfile:filename>", views_public.public_file, name="public-file"),
    path(BASE + "<int:year>/<publicfile:filename>", views_public.public_latest_file, name="public-latest-file"),
]
