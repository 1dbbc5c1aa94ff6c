import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
    return client


def test_federation_admin_finds_by_handle_and_unarchives(operator_client, archived_federation):
    changelist = reverse("admin:federations_federation_changelist")
    assertContains(operator_client.get(changelist, {"q": "@olivia/old"}), "@olivia/old-lab")
    assertContains(operator_client.get(changelist, {"archived": "yes"}), "@olivia/old-lab")
    operator_client.post(changelist, {"action": "unarchive", "_selected_action": [archived_federation.pk]})
    archived_federation.refresh_from_db()
    assert not archived_federation.is_archived
    assert archived_federation.activities.first().verb == "unarchived"
    detail = reverse("admin:federations_federation_change", args=[archived_federation.pk])
    assertContains(operator_client.get(detail), "olivia")
