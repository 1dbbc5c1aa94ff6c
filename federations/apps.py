from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationsConfig(AppConfig):
    name = "federations"
    verbose_name = _("Federations")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_save

        from accounts.extensions import ProfileSection, add_profile_section
        from supergrid.metrics import add_gauges

        from . import limits, metrics
        from .extensions import Tab, add_tab
        from .rules import Action
        from .services import workspace_for_new_account
        from .views.invitations import INBOX_TEMPLATE, inbox_context

        add_tab(Tab("overview", _("Overview"), "federations:overview", "federations/tabs/overview.html", position=10))
        add_tab(Tab("members", _("Members"), "federations:members", "federations/tabs/members.html", position=40))
        add_tab(Tab("activity", _("Activity"), "federations:activity", "federations/tabs/activity.html", position=50))
        settings_tab = Tab(
            "settings",
            _("Settings"),
            "federations:settings",
            "federations/tabs/settings.html",
            Action.VIEW_SETTINGS,
            60,
        )
        add_tab(settings_tab)
        add_profile_section(ProfileSection("invitations", INBOX_TEMPLATE, inbox_context, position=10))
        add_profile_section(ProfileSection("limits", limits.PROFILE_SECTION, limits.profile_context, position=90))
        add_gauges(metrics.gauges)
        post_save.connect(workspace_for_new_account, sender=settings.AUTH_USER_MODEL, dispatch_uid="workspace")
