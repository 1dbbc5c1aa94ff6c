import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import User
from federations import services
from federations.models import Federation, Membership

PASSWORD = "correct-horse-battery-staple"
HASHED_PASSWORD = make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = HASHED_PASSWORD

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """Users confirmed their address unless a test says ``verified_email=False``."""
        if create and extracted is not False and self.email:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class FederationFactory(factory.django.DjangoModelFactory):
    """Creates federations through the service, so every row obeys the rules (owner membership, activity)."""

    class Meta:
        model = Federation

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"federation-{n}")
    kind = Federation.Kind.SIMULATION

    @classmethod
    def _create(cls, model_class, *args, members=(), archived=False, **kwargs):
        if kwargs["kind"] == Federation.Kind.DEPLOYMENT and not kwargs["owner"].has_deployment_access:
            kwargs["owner"].has_deployment_access = True
            kwargs["owner"].save(update_fields=["has_deployment_access"])
        federation = services.create_federation(**kwargs)
        for user in members:
            Membership.objects.create(federation=federation, user=user)
        if archived:
            services.archive_federation(federation=federation, actor=federation.owner)
            federation.refresh_from_db()
        return federation
