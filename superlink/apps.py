from django.apps import AppConfig


class SuperLinkConfig(AppConfig):
    name = "superlink"
    verbose_name = "SuperLink adapter"

    def ready(self):
        from . import signals  # noqa: F401
