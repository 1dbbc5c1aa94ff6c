from django.apps import AppConfig


class FederationsConfig(AppConfig):
    name = "federations"
    verbose_name = "Federations"

    def ready(self):
        from .extensions import Tab, add_tab
        from .rules import Action

        add_tab(Tab("overview", "Overview", "federations:overview", "federations/tabs/overview.html", position=10))
        add_tab(Tab("members", "Members", "federations:members", "federations/tabs/members.html", position=40))
        add_tab(Tab("activity", "Activity", "federations:activity", "federations/tabs/activity.html", position=50))
        settings_tab = Tab(
            "settings", "Settings", "federations:settings", "federations/tabs/settings.html", Action.VIEW_SETTINGS, 60
        )
        add_tab(settings_tab)
