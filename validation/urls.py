from django.urls import path

from . import views

app_name = "validation"

urlpatterns = [
    path("cicli/<int:cycle_id>/validazione/", views.workspace, name="workspace"),
    path("cicli/<int:cycle_id>/validazione/osservazioni/", views.add_comment, name="comment"),
    path("cicli/<int:cycle_id>/validazione/osservazioni/<int:comment_id>/risposta/", views.respond, name="respond"),
    path("cicli/<int:cycle_id>/validazione/decisione/", views.decide, name="decide"),
    path("cicli/<int:cycle_id>/validazione/decisioni/<int:decision_id>/documento/", views.decision_document,
         name="document"),
]
