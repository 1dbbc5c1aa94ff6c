"""FederationNode and RunOutcome moved to the supernodes and runs apps: state only, their tables stay
(those apps' migrations take them over, then rename them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("federations", "0002_list_indexes"),
        ("supernodes", "0001_initial"),
        ("runs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="federationnode",
                    name="federations_node_by_id",
                ),
                migrations.RemoveConstraint(
                    model_name="federationnode",
                    name="federations_node_once_per_federation",
                ),
                migrations.RemoveConstraint(
                    model_name="federationnode",
                    name="federations_node_id_digits",
                ),
                migrations.RemoveConstraint(
                    model_name="runoutcome",
                    name="federations_outcome_run_id_digits",
                ),
                migrations.RemoveField(
                    model_name="runoutcome",
                    name="federation",
                ),
                migrations.RemoveField(
                    model_name="runoutcome",
                    name="launched_by",
                ),
                migrations.DeleteModel(
                    name="FederationNode",
                ),
                migrations.DeleteModel(
                    name="RunOutcome",
                ),
            ],
        ),
    ]
