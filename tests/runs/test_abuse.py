"""Abuse and careless input on runs: a run id beyond Flower's 64 bits is not found, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("run_id", [2**64, 10**50])
def test_a_run_id_beyond_flowers_64_bits_is_not_found(client, federation, member, run_id):
    client.force_login(member)
    base = f"/@{federation.owner.username}/{federation.name}/runs/{run_id}/"
    for path in (base, f"{base}logs/", f"{base}metrics.csv"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"{base}stop/").status_code == 404


def test_the_largest_run_id_still_reaches_the_run_page(client, federation, member):
    client.force_login(member)
    response = client.get(f"/@{federation.owner.username}/{federation.name}/runs/{2**64 - 1}/")
    assert response.status_code == 200
    assert "SuperLink unreachable" in response.content.decode()
