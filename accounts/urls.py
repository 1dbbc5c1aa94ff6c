from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("profile/deployment-access/", views.request_deployment_access, name="request_deployment_access"),
    path("profile/cli-sessions/<int:session_id>/revoke/", views.revoke_cli_session, name="revoke_cli_session"),
    path("cli/login/<str:code>/", views.cli_login, name="cli_login"),
]
