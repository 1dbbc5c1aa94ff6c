from django.urls import path

from . import views

app_name = "flower_bridge"

urlpatterns = [
    path("cli/login/<str:code>/", views.cli_login, name="cli_login"),
    path("examples/quickstart-numpy.fab", views.example_fab, name="example_fab"),
    path("supernodes/", views.supernode_list, name="supernodes"),
    path("supernodes/register/", views.register_supernode, name="register_supernode"),
    path("supernodes/<int:node_id>/unregister/", views.unregister_supernode, name="unregister_supernode"),
    path("profile/cli-sessions/<int:session_id>/revoke/", views.revoke_cli_session, name="revoke_cli_session"),
]
