from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import health
from organization.auth import LockoutAdminAuthenticationForm, LockoutAuthenticationForm
from performance.urls import api_fallback_urlpatterns, api_urlpatterns
from validation.api import api_urlpatterns as publication_api_urlpatterns

# The admin has its own login page: it gets the same lock-out, or it would be a way round it.
admin.site.login_form = LockoutAdminAuthenticationForm

urlpatterns = [
    path("", include("performance.web_urls")),
    path("", include("budget.urls")),
    path("", include("reports.urls")),
    path("", include("validation.urls")),
    path("salute/", health, name="health"),
    path("accesso/", auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm,
                                                    redirect_authenticated_user=True), name="login"),
    path("uscita/", auth_views.LogoutView.as_view(), name="logout"),  # POST only (Django 5)
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/fatto/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_urlpatterns + publication_api_urlpatterns + api_fallback_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up as a script file (?script=): no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
