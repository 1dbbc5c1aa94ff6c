from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = gettext_lazy("Accounts")

    def ready(self):
        from supergrid.metrics import add_gauges

        from . import metrics, signals  # noqa: F401

        add_gauges(metrics.gauges)
