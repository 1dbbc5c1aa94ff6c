from django.apps import AppConfig


class AppsConfig(AppConfig):
    name = "apps"
    label = "hub"  # "apps" would read oddly in the admin and in table names (hub_app, hub_appversion)
    verbose_name = "Hub"
