# The run-ended email's setting moves here from accounts.User.notify_run_finished; those who had turned
# it off keep it off (no row means on). accounts.0002 then removes the old column.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_choices(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    RunEmailSetting = apps.get_model("runs", "RunEmailSetting")
    off = User.objects.filter(notify_run_finished=False).values_list("pk", flat=True)
    RunEmailSetting.objects.bulk_create(
        (RunEmailSetting(user_id=pk, notify_run_finished=False) for pk in off.iterator()), batch_size=1000
    )


def copy_back(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    RunEmailSetting = apps.get_model("runs", "RunEmailSetting")
    off = RunEmailSetting.objects.filter(notify_run_finished=False).values_list("user_id", flat=True)
    User.objects.filter(pk__in=off).update(notify_run_finished=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("runs", "0002_own_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="RunEmailSetting",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="run_email_setting",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "notify_run_finished",
                    models.BooleanField(
                        default=True,
                        help_text="An email when a run you launched finishes, fails or is stopped.",
                        verbose_name="email when my runs finish",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_choices, copy_back),
    ]
