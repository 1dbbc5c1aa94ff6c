import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["a", "A1", "flower-user_2", "9lives", "x" * 39])
def test_valid_usernames_pass_model_validation(name):
    UserFactory.build(username=name).full_clean(exclude=["password"])


@pytest.mark.parametrize(
    "name", ["", "-dash", "_under", "has space", "sl/ash", "dot.ted", "x" * 40, "ålice", "аlice", "a@b"]
)
def test_invalid_usernames_fail_model_validation(name):
    with pytest.raises(ValidationError) as excinfo:
        UserFactory.build(username=name).full_clean(exclude=["password"])
    assert "username" in excinfo.value.message_dict


def test_username_uniqueness_ignores_case_in_the_database():
    UserFactory(username="Alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="aLICE", email="other@example.com")


def test_database_refuses_a_username_that_breaks_the_rule():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="bad name")


def test_flwr_aid_is_a_stable_unique_uuid():
    first, second = UserFactory(), UserFactory()
    aid = first.flwr_aid
    assert len(aid) == 36
    assert aid != second.flwr_aid
    first.username = "renamed"
    first.save()
    first.refresh_from_db()
    assert first.flwr_aid == aid


def test_new_accounts_have_no_deployment_access():
    assert UserFactory().has_deployment_access is False
