from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppsConfig(AppConfig):
    name = "apps"
    label = "hub"  # "apps" would read oddly in the admin and in table names (hub_app, hub_appversion)
    verbose_name = _("Hub")

    def ready(self):
        from federations.extensions import Tab, add_tab, set_fab_reviewers
        from superlink.hooks import provide_hub

        from . import launches
        from .launches import HubHooks
        from .tab import TAB_TEMPLATE

        add_tab(Tab("apps", _("Apps"), "hub:federation_apps", TAB_TEMPLATE, position=25))
        provide_hub(HubHooks())
        set_fab_reviewers(launches.reviewing_keys)
