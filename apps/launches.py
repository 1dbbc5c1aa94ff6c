"""What the Hub lends the SuperLink adapter (``superlink.hooks.HubApps``): which app a launch is, its run
count, and a federation's apps for the stock list-apps / add-app / remove-app / list-app-associations
routes. Registered in ``AppsConfig.ready``."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from federations import services as federation_services
from federations.models import Federation
from federations.rules import Action
from superlink.hooks import HubLaunch, ListedApp

from . import services
from .models import App, AppRun, AppVersion, FederationApp, Review


def is_listed(federation: Federation, app_id: int) -> bool:
    return FederationApp.objects.filter(federation_id=federation.pk, app_id=app_id).exists()


def split_spec(app_spec: str) -> tuple[str, str | None]:
    app_id, _, version = app_spec.partition("==")
    return app_id.strip(), version.strip() or None


class HubHooks:
    def launch(self, *, federation: Federation, account: User, app_spec: str, fab_sha256: str) -> HubLaunch:
        """``@owner/app[==version]`` is pinned to a version here (the latest when none is given), so the
        SuperLink always fetches, never runs a copy it cached before a newer version was published. A FAB
        sent with the launch is a Hub app when it is a version's own FAB (the Run button sends it)."""
        if app_spec:
            app_id, version = split_spec(app_spec)
            found = services.find_version(app_id, version, account)
            return self.of_version(found, federation)
        if not fab_sha256:
            return HubLaunch(what=_("this FAB"))
        visible = App.objects.visible_to(account).values("pk")
        same = AppVersion.objects.filter(sha256=fab_sha256, hidden=False, app__in=visible).select_related("app__owner")
        sent = same.first()
        if sent is None:
            return HubLaunch(what=_("this FAB"))
        launch = self.of_version(sent, federation)
        # A FAB that is a reviewed version's is launched as that version, so the SuperLink fetches it from
        # the Hub with its reviews (stock Flower gives sent FABs none, and trusting SuperNodes refuse those).
        return launch if launch.reviewed_by else HubLaunch(listed=launch.listed, version_id=sent.pk, what=launch.what)

    def of_version(self, found: AppVersion, federation: Federation) -> HubLaunch:
        reviews = found.reviews.filter(key__removed_at__isnull=True)
        reviewers = {username.lower() for username in reviews.values_list("reviewer__username", flat=True)}
        return HubLaunch(
            app_spec=f"{found.app.handle}=={found.version}",
            listed=is_listed(federation, found.app_id),
            version_id=found.pk,
            reviewed_by=frozenset(reviewers),
            what=str(found),
        )

    def launched(self, launch: HubLaunch, *, federation: Federation, account: User, run_id: int) -> None:
        version = AppVersion.objects.filter(pk=launch.version_id).first() if launch.version_id else None
        if version is None:
            return
        try:
            with transaction.atomic():
                AppRun.objects.create(
                    version=version, federation_id=federation.pk, run_id=str(run_id), launched_by=account
                )
                App.objects.filter(pk=version.app_id).update(run_count=F("run_count") + 1)
        except IntegrityError:  # told twice about one run
            pass

    def federation_apps(self, federation: Federation) -> list[ListedApp]:
        links = FederationApp.objects.filter(federation_id=federation.pk).select_related("app__owner")
        listed = []
        for link in links:
            latest = link.app.versions.filter(hidden=False).order_by("-published_at").first()
            listed.append(ListedApp(link.app.handle, link.app.description, latest.sha256 if latest else ""))
        return listed

    def add(self, *, federation: Federation, actor: User, app_id: str) -> None:
        federation_services.check_allowed(federation, actor, Action.MANAGE_APPS)  # "only the owner" before "no app"
        app = services.find_version(split_spec(app_id)[0], None, actor).app
        services.add_to_federation(federation=federation, actor=actor, app=app)

    def remove(self, *, federation: Federation, actor: User, app_id: str) -> None:
        app = services.find_used_app(federation, split_spec(app_id)[0])
        services.remove_from_federation(federation=federation, actor=actor, app=app)

    def associations(self, account: User, app_id: str) -> list[str]:
        app = services.find_app_by_id(split_spec(app_id)[0], account)
        if app is None:
            return []
        used = Federation.objects.filter(
            hub_apps__app=app, memberships__user=account, archived_at__isnull=True
        ).select_related("owner")
        return sorted(federation.handle for federation in used)


def reviewing_keys(fab_sha256: str) -> set[str]:
    """Fingerprints of the keys in use whose reviews of this FAB (any version with that sha256) count."""
    reviews = Review.objects.filter(version__sha256=fab_sha256, version__hidden=False, key__removed_at__isnull=True)
    return set(reviews.values_list("key__key_id", flat=True))
