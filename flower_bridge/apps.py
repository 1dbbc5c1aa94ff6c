from django.apps import AppConfig


class FlowerBridgeConfig(AppConfig):
    name = "flower_bridge"
    verbose_name = "Flower bridge"

    def ready(self):
        from . import signals  # noqa: F401
