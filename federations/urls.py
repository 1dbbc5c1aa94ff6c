from django.urls import include, path

from supergrid.web import FEDERATION_PREFIX

from .views import dashboard, invitations, members, settings, tabs

app_name = "federations"

# Under /@<owner>/<name>/, next to the Runs and SuperNodes tabs that their apps mount there.
federation_patterns = [
    path("", tabs.overview, name="overview"),
    path("members/", members.members, name="members"),
    path("members/invite/", members.invite, name="invite"),
    path("members/<str:username>/remove/", members.remove_member, name="remove_member"),
    path("invitations/<int:invitation_id>/revoke/", members.revoke_invitation, name="revoke_invitation"),
    path("leave/", members.leave, name="leave"),
    path("activity/", tabs.activity, name="activity"),
    path("activity/export.csv", tabs.activity_export, {"fmt": "csv"}, name="activity_csv"),
    path("activity/export.jsonl", tabs.activity_export, {"fmt": "jsonl"}, name="activity_jsonl"),
    path("settings/", settings.settings, name="settings"),
    path("archive/", settings.archive, name="archive"),
]

urlpatterns = [
    path("federations/", dashboard.dashboard, name="dashboard"),
    path("federations/archived/", dashboard.archived, name="archived"),
    path("federations/new/", dashboard.create, name="create"),
    path("invitations/<int:invitation_id>/accept/", invitations.accept_invitation, name="accept_invitation"),
    path("invitations/<int:invitation_id>/decline/", invitations.decline_invitation, name="decline_invitation"),
    path(FEDERATION_PREFIX, include(federation_patterns)),
]
