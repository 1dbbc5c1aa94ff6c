from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from apps import services
from apps.models import AppVersion
from federations.models import Federation

EXAMPLE = Path(settings.BASE_DIR) / "examples" / "quickstart-numpy"
SOURCE_SUFFIXES = {".py", ".toml", ".md"}


def example_files() -> list[tuple[str, bytes]]:
    """The example app's source files, as `flwr app publish` would send them."""
    return [
        (path.relative_to(EXAMPLE).as_posix(), path.read_bytes())
        for path in sorted(EXAMPLE.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in SOURCE_SUFFIXES
    ]


class Command(BaseCommand):
    help = "Publish the example app to the Hub as @alice/quickstart-numpy (development; after seed_demo)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_hub only runs in development (DEBUG on), after seed_demo.")
        alice = User.objects.filter(username="alice").first()
        if alice is None:
            raise CommandError("Run seed_demo first: the example app is published as alice.")
        version = AppVersion.objects.filter(app__owner=alice, app__name="quickstart-numpy").first()
        if version is None:
            version = services.publish_files(account=alice, files=example_files())
            self.stdout.write(f"Published the example app to the Hub: {version}")
        # alice's active demo federations use it: a first run there is one click on their Apps tab.
        for federation in Federation.objects.filter(owner=alice, archived_at__isnull=True):
            services.add_to_federation(federation=federation, actor=alice, app=version.app)
