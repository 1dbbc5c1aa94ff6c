# A federation named "workspace" is an active simulation: every account's workspace, never a deployment,
# never archived.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("federations", "0004_workspace"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="federation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("name__iexact", "workspace"), _negated=True),
                    models.Q(("archived_at__isnull", True), ("kind", "simulation")),
                    _connector="OR",
                ),
                name="federations_workspace_is_an_active_simulation",
                violation_error_message="A workspace is a simulation federation and is never archived.",
            ),
        ),
    ]
