from django.urls import re_path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("cycles", api.CycleViewSet, basename="cycle")
router.register("perspectives", api.PerspectiveViewSet, basename="perspective")
router.register("strategic-objectives", api.StrategicObjectiveViewSet, basename="strategicobjective")
router.register("operational-objectives", api.OperationalObjectiveViewSet, basename="operationalobjective")
router.register("indicators", api.IndicatorViewSet, basename="indicator")
router.register("scorecards", api.ScorecardViewSet, basename="scorecard")
router.register("periods", api.PeriodViewSet, basename="period")
router.register("measurements", api.MeasurementViewSet, basename="measurement")

api_urlpatterns = router.urls

#: Last under /api/v1/ (after every other app's routes): what nothing else matched is a JSON 404.
api_fallback_urlpatterns = [re_path(r"^.*/$", api.NotFoundView.as_view())]
