from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("profile/language/", views.change_language, name="change_language"),
    path("profile/deployment-access/", views.request_deployment_access, name="request_deployment_access"),
    path("profile/cli-sessions/<int:session_id>/revoke/", views.revoke_cli_session, name="revoke_cli_session"),
    path("profile/signing-keys/", views.add_signing_key, name="add_signing_key"),
    path("profile/signing-keys/<int:key_id>/remove/", views.remove_signing_key, name="remove_signing_key"),
    path("cli/login/<str:code>/", views.cli_login, name="cli_login"),
]
