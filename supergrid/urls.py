from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy

from .metrics import metrics
from .views import favicon, healthz

admin.site.site_header = gettext_lazy("SuperGrid administration")
admin.site.site_title = gettext_lazy("SuperGrid admin")
admin.site.index_title = gettext_lazy("Operate the SuperGrid")

urlpatterns = [
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("", include("federations.urls")),
    path("", include("runs.urls")),
    path("", include("apps.urls")),
    path("", include("supernodes.urls")),
    path("", include("webhooks.urls")),
]
