from django.urls import include, path

from . import views, views_runs, views_supernodes

app_name = "federations"

federation_patterns = [
    path("", views.overview, name="overview"),
    path("live/", views_runs.live, name="live"),
    path("runs/", views_runs.runs, name="runs"),
    path("runs/launch/", views_runs.launch_run, name="launch_run"),
    path("runs/<int:run_id>/", views_runs.run_detail, name="run"),
    path("runs/<int:run_id>/logs/", views_runs.run_logs, name="run_logs"),
    path("runs/<int:run_id>/stop/", views_runs.stop_run, name="stop_run"),
    path("supernodes/", views_supernodes.federation_supernodes, name="federation_supernodes"),
    path("supernodes/add/", views_supernodes.add_supernode, name="add_supernode"),
    path("supernodes/<int:node_id>/remove/", views_supernodes.remove_supernode, name="remove_supernode"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.invite, name="invite"),
    path("members/<str:username>/remove/", views.remove_member, name="remove_member"),
    path("invitations/<int:invitation_id>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("leave/", views.leave, name="leave"),
    path("activity/", views.activity, name="activity"),
    path("settings/", views.settings, name="settings"),
    path("archive/", views.archive, name="archive"),
]

urlpatterns = [
    path("federations/", views.dashboard, name="dashboard"),
    path("federations/archived/", views.archived, name="archived"),
    path("federations/new/", views.create, name="create"),
    path("invitations/<int:invitation_id>/accept/", views.accept_invitation, name="accept_invitation"),
    path("invitations/<int:invitation_id>/decline/", views.decline_invitation, name="decline_invitation"),
    path("@<str:owner>/<str:name>/", include(federation_patterns)),
]
