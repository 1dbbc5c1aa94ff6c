from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuperLinkConfig(AppConfig):
    name = "superlink"
    verbose_name = _("SuperLink adapter")
