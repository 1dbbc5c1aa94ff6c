from django.apps import AppConfig


class FederationsConfig(AppConfig):
    name = "federations"
    verbose_name = "Federations"
