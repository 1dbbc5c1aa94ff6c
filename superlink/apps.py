from django.apps import AppConfig


class SuperLinkConfig(AppConfig):
    name = "superlink"
    verbose_name = "SuperLink adapter"
