from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import User
from federations import services
from federations.models import Federation

# Development-only credentials, printed on purpose so a new user can sign in at once.
DEMO_ACCOUNTS = [
    # username, password, deployment access, operator
    ("alice", "alice-supergrid-demo", True, False),
    ("bob", "bob-supergrid-demo", False, False),
    ("carol", "carol-supergrid-demo", False, False),
    ("operator", "operator-supergrid-demo", True, True),
]


class Command(BaseCommand):
    help = "Create the demo accounts (and their data) for development. Safe to run repeatedly."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs in development (DEBUG on): it creates accounts with known passwords."
            )
        # Demo invitations would otherwise print their notification emails into `make run`'s output.
        quiet_mail = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
        with override_settings(MAILERS=quiet_mail), transaction.atomic():
            users = {
                name: self.ensure_account(name, password, access, operator)
                for name, password, access, operator in DEMO_ACCOUNTS
            }
            self.seed_data(users)
        self.stdout.write("Demo accounts (development only):")
        for name, password, _, operator in DEMO_ACCOUNTS:
            role = "  (operator: /admin/)" if operator else ""
            self.stdout.write(f"  {name:<9} password: {password}{role}")

    def ensure_account(self, username: str, password: str, deployment_access: bool, operator: bool) -> User:
        email = f"{username}@example.com"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": email,
                "has_deployment_access": deployment_access,
                "is_staff": operator,
                "is_superuser": operator,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def seed_data(self, users: dict[str, User]) -> None:
        """Demo federations: each is created once, found by name on later runs."""
        alice, bob, carol = users["alice"], users["bob"], users["carol"]
        demo = [
            ("fedavg-playground", Federation.Kind.SIMULATION, "Try FedAvg on simulated SuperNodes.", False),
            ("hospital-network", Federation.Kind.DEPLOYMENT, "Real SuperNodes at partner sites.", False),
            ("pilot-2025", Federation.Kind.SIMULATION, "Last year's pilot, kept for reference.", True),
        ]
        for name, kind, description, archived in demo:
            federation = Federation.objects.filter(owner=alice, name=name).first()
            if federation is None:
                federation = services.create_federation(owner=alice, name=name, kind=kind, description=description)
                invitation = services.invite(federation=federation, inviter=alice, username=bob.username)
                services.accept_invitation(user=bob, invitation_id=invitation.pk)
                if archived:
                    services.archive_federation(federation=federation, actor=alice)
        playground = Federation.objects.get(owner=alice, name="fedavg-playground")
        if not playground.invitations.filter(invitee=carol).exists():
            services.invite(federation=playground, inviter=alice, username=carol.username)
