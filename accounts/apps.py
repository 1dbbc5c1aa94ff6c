from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from supergrid.metrics import add_gauges

        from . import metrics, signals  # noqa: F401

        add_gauges(metrics.gauges)
