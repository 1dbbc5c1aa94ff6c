# The run-ended email's setting lives in runs now (RunEmailSetting); runs.0003 copied the choices first.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("runs", "0003_run_email_setting"),
    ]

    operations = [
        migrations.RemoveField(model_name="user", name="notify_run_finished"),
    ]
