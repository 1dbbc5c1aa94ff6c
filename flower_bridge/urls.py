from django.urls import path

from . import views

app_name = "flower_bridge"

urlpatterns = [
    path("cli/login/<str:code>/", views.cli_login, name="cli_login"),
    path("profile/cli-sessions/<int:session_id>/revoke/", views.revoke_cli_session, name="revoke_cli_session"),
]
