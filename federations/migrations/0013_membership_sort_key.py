"""Each membership carries its federation's place in the member's list (own workspace first, then by owner
and name), indexed with the member: a page of a member of 1,000 federations is one index range."""

from django.db import migrations, models

# Filled from each membership's federation and owner (PostgreSQL and SQLite alike).
FILL = """
    UPDATE federations_membership SET
        sort_owner = (
            SELECT o.username FROM federations_federation f JOIN accounts_user o ON o.id = f.owner_id
            WHERE f.id = federations_membership.federation_id
        ),
        sort_name = (SELECT f.name FROM federations_federation f WHERE f.id = federations_membership.federation_id),
        sort_first = EXISTS (
            SELECT 1 FROM federations_federation f
            WHERE f.id = federations_membership.federation_id AND f.owner_id = federations_membership.user_id
                AND LOWER(f.name) = 'workspace'
        )
"""


class Migration(migrations.Migration):
    dependencies = [
        ("federations", "0012_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="sort_first",
            field=models.BooleanField(default=False, editable=False, verbose_name="listed first"),
        ),
        migrations.AddField(
            model_name="membership",
            name="sort_owner",
            field=models.CharField(default="", editable=False, max_length=39, verbose_name="owner's username"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="membership",
            name="sort_name",
            field=models.CharField(default="", editable=False, max_length=32, verbose_name="federation name"),
            preserve_default=False,
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(("sort_owner", ""), _negated=True) & models.Q(("sort_name", ""), _negated=True),
                name="federations_membership_sort_key_set",
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["user", "-sort_first", "sort_owner", "sort_name"], name="federations_member_sorted"
            ),
        ),
    ]
