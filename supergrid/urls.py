from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

from .views import favicon

admin.site.site_header = "SuperGrid administration"
admin.site.site_title = "SuperGrid admin"
admin.site.index_title = "Operate the SuperGrid"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("profile/", account_views.profile, name="profile"),
    path(
        "profile/deployment-access/",
        account_views.request_deployment_access,
        name="request_deployment_access",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("", include("flower_bridge.urls")),
    path("", include("federations.urls")),
]
