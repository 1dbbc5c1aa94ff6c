# Every account's workspace, @<username>/workspace: created for the accounts that exist (new accounts get
# theirs when they are created). 0005 then guards it: a federation named "workspace" is an active
# simulation (a migration of its own: PostgreSQL alters no table with these rows' checks still pending).

from django.db import migrations
from django.utils import timezone

DESCRIPTION = "Personal workspace"


def create_workspaces(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Federation = apps.get_model("federations", "Federation")
    Membership = apps.get_model("federations", "Membership")
    Activity = apps.get_model("federations", "Activity")
    # A federation someone named "workspace" before the name was reserved, but which cannot be one
    # (a deployment, or archived), keeps its runs under a new name.
    for clash in Federation.objects.filter(name__iexact="workspace").exclude(kind="simulation", archived_at=None):
        clash.name = f"workspace-{clash.pk}"
        clash.save(update_fields=["name"])
    have = Federation.objects.filter(name__iexact="workspace").values("owner_id")
    for user in User.objects.exclude(pk__in=have).only("pk", "username").iterator():
        federation = Federation.objects.create(
            owner_id=user.pk,
            name="workspace",
            kind="simulation",
            description=DESCRIPTION,
            created_at=timezone.now(),
            num_supernodes=2,
            client_resources_num_cpus=1,
            client_resources_num_gpus=0.0,
            simulation_backend="ray",
            simulation_verbose=False,
        )
        Membership.objects.create(federation=federation, user_id=user.pk, role="owner")
        Activity.objects.create(
            federation=federation, actor_id=user.pk, verb="created", target=f"@{user.username}/workspace"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("federations", "0003_move_nodes_and_outcomes"),
        ("accounts", "0002_notify_run_finished_moves_to_runs"),
    ]

    operations = [
        migrations.RunPython(create_workspaces, migrations.RunPython.noop),
    ]
