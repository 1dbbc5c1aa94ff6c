from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from federations.extensions import add_settings_section

        from . import events  # noqa: F401 (its receivers)
        from .views import SETTINGS_SECTION, settings_section_context

        add_settings_section(SETTINGS_SECTION, settings_section_context)
