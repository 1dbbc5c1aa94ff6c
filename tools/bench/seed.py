"""Seed the bench database: 10k users, 20k federations and their members, invitations, activity, nodes.

Everything is written by PostgreSQL itself (``INSERT … SELECT generate_series``), which takes about 30 s
at full size. ``scale`` shrinks the generic rows for the smoke test; the named users and
federations below are always there, because every measured page belongs to one of them.
"""

from dataclasses import dataclass

from django.db import connection, transaction

from accounts.models import CliSession, SigningKey, User
from accounts.services import MAX_SIGNING_KEYS
from apps.models import App, AppVersion
from federations.models import Activity, Federation, Invitation, Membership
from supernodes.models import FederationNode
from webhooks.models import Delivery, Webhook
from webhooks.services import MAX_WEBHOOKS

USERS = 10_000
FEDERATIONS = 20_000
MEMBERS_PER_FEDERATION = 9  # besides the owner
INVITATIONS_PER_FEDERATION = 5
ACTIVITY_PER_FEDERATION = 15
DEPLOYMENT_EVERY = 5  # every fifth federation is a deployment with one SuperNode: 4,000 nodes

# Users who belong to this many federations, and federations with this many members.
USER_SIZES = (1, 3, 10, 100, 1000)
FEDERATION_SIZES = (1, 10, 100, 1000)
BIG_OWNER = "big-owner"
RUNS_FEDERATION = "bench-runs"  # a simulation like stock Flower's default: 2 SuperNodes, 2 CPUs each
NODES_IN_BIG_FEDERATION = 100
PENDING_FOR_NAMED_USERS = 5
PENDING_IN_BIG_FEDERATION = 50
BUSY_USER = "busy-inbox"  # invited to many federations and signed in from many CLIs: bounded lists
BUSY_COUNT = 300
DELIVERIES_PER_WEBHOOK = 500
HUB_APPS = 1_000  # on /apps/, one version each
HUB_APP = "bench-app"  # the big owner's app with HUB_APP_VERSIONS versions, for its page
HUB_APP_VERSIONS = 100


def member_name(size: int) -> str:
    return f"member-of-{size}"


def federation_name(size: int) -> str:
    return f"members-{size}"


@dataclass
class Sizes:
    users: int
    federations: int
    memberships: int
    invitations: int
    activity: int
    nodes: int

    def line(self) -> str:
        return (
            f"{self.users:,} users, {self.federations:,} federations, {self.memberships:,} memberships, "
            f"{self.invitations:,} invitations, {self.activity:,} activity rows, {self.nodes:,} federation nodes"
        )


def counts() -> Sizes:
    return Sizes(
        users=User.objects.count(),
        federations=Federation.objects.count(),
        memberships=Membership.objects.count(),
        invitations=Invitation.objects.count(),
        activity=Activity.objects.count(),
        nodes=FederationNode.objects.count(),
    )


def tables() -> dict[str, str]:
    return {
        "user": User._meta.db_table,
        "federation": Federation._meta.db_table,
        "membership": Membership._meta.db_table,
        "invitation": Invitation._meta.db_table,
        "activity": Activity._meta.db_table,
        "node": FederationNode._meta.db_table,
        "app": App._meta.db_table,
        "version": AppVersion._meta.db_table,
        "cli_session": CliSession._meta.db_table,
        "signing_key": SigningKey._meta.db_table,
        "webhook": Webhook._meta.db_table,
        "delivery": Delivery._meta.db_table,
    }


SIMULATION_COLUMNS = (
    "num_supernodes, client_resources_num_cpus, client_resources_num_gpus, simulation_backend, simulation_verbose"
)
SIMULATION_VALUES = "2, 2, 0, 'ray', false"
DEPLOYMENT_VALUES = "null, null, null, '', null"
# A membership's columns, its place in the member's list included (``Membership.save`` fills that in).
MEMBERSHIP_COLUMNS = "federation_id, user_id, role, joined_at, sort_first, sort_owner, sort_name"


def sort_key(member: str = "u.id") -> str:
    """A membership's place in its member's list, where ``f`` is the federation and ``o`` its owner."""
    return f"f.owner_id = {member} AND LOWER(f.name) = 'workspace', o.username, f.name"


@transaction.atomic
def seed(scale: float = 1.0) -> Sizes:
    """Fill an empty, migrated database. Returns what is in it afterwards."""
    users = max(int(USERS * scale), 20)
    federations = max(int(FEDERATIONS * scale), 20)
    named_users = [member_name(size) for size in USER_SIZES] + [BIG_OWNER, BUSY_USER]
    t = tables()
    with connection.cursor() as cursor:

        def run(sql: str, *params) -> None:
            cursor.execute(sql.format(**t), params)

        user_columns = (
            "password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined, "
            "flwr_aid, has_deployment_access"
        )
        run(
            f"INSERT INTO {{user}} ({user_columns}) "
            "SELECT '!', false, 'user' || i, '', '', 'user' || i || '@example.org', false, true, "
            "now() - i * interval '1 minute', gen_random_uuid()::text, i %% 3 = 0 "
            "FROM generate_series(1, %s) AS i",
            users,
        )
        run(
            f"INSERT INTO {{user}} ({user_columns}) "
            "SELECT '!', false, name, '', '', name || '@example.org', false, true, now(), gen_random_uuid()::text, "
            "true FROM unnest(%s::text[]) AS name",
            named_users,
        )
        # Generic federations fed1…fedN, owned round-robin by user1…userM; every fifth a deployment.
        deployment = f"i %% {DEPLOYMENT_EVERY} = 0"
        run(
            "INSERT INTO {federation} (owner_id, name, kind, description, created_at, archived_at, "
            f"{SIMULATION_COLUMNS}) "
            f"SELECT u.id, 'fed' || i, CASE WHEN {deployment} THEN 'deployment' ELSE 'simulation' END, "
            "'Federation number ' || i, now() - i * interval '1 minute', "
            "CASE WHEN i %% 17 = 0 THEN now() ELSE null END, "
            f"CASE WHEN {deployment} THEN null ELSE 2 END, CASE WHEN {deployment} THEN null ELSE 2 END, "
            f"CASE WHEN {deployment} THEN null ELSE 0 END, CASE WHEN {deployment} THEN '' ELSE 'ray' END, "
            f"CASE WHEN {deployment} THEN null ELSE false END "
            "FROM generate_series(1, %s) AS i JOIN {user} u ON u.username = 'user' || ((i - 1) %% %s + 1)",
            federations,
            users,
        )
        # The big owner's federations with 10/100/1000 members (deployments, so the SuperNodes tab has rows).
        run(
            f"INSERT INTO {{federation}} (owner_id, name, kind, description, created_at, {SIMULATION_COLUMNS}) "
            f"SELECT u.id, name, 'deployment', 'Measured by make bench', now(), {DEPLOYMENT_VALUES} "
            "FROM unnest(%s::text[]) AS name, {user} u WHERE u.username = %s",
            [federation_name(size) for size in FEDERATION_SIZES],
            BIG_OWNER,
        )
        run(
            f"INSERT INTO {{federation}} (owner_id, name, kind, description, created_at, {SIMULATION_COLUMNS}) "
            f"SELECT id, %s, 'simulation', 'Runs measured by make bench', now(), {SIMULATION_VALUES} "
            "FROM {user} WHERE username = %s",
            RUNS_FEDERATION,
            BIG_OWNER,
        )
        run(
            f"INSERT INTO {{membership}} ({MEMBERSHIP_COLUMNS}) "
            f"SELECT f.id, f.owner_id, 'owner', f.created_at, {sort_key('f.owner_id')} FROM {{federation}} f "
            "JOIN {user} o ON o.id = f.owner_id"
        )
        # Nine more members per generic federation, spread over the users.
        run(
            f"INSERT INTO {{membership}} ({MEMBERSHIP_COLUMNS}) "
            f"SELECT f.id, u.id, 'member', f.created_at + k * interval '1 hour', {sort_key()} "
            "FROM {federation} f CROSS JOIN generate_series(1, %s) AS k "
            "JOIN {user} u ON u.username = 'user' || ((f.id * 7919 + k * 104729) %% %s + 1) "
            "JOIN {user} o ON o.id = f.owner_id "
            "WHERE f.name LIKE 'fed%%' ON CONFLICT DO NOTHING",
            MEMBERS_PER_FEDERATION,
            users,
        )
        for size in USER_SIZES:
            run(
                f"INSERT INTO {{membership}} ({MEMBERSHIP_COLUMNS}) "
                f"SELECT f.id, u.id, 'member', now(), {sort_key()} "
                "FROM {federation} f JOIN {user} o ON o.id = f.owner_id, {user} u "
                "WHERE u.username = %s AND f.name LIKE 'fed%%' AND f.archived_at IS NULL "
                "AND f.id IN (SELECT id FROM {federation} WHERE name LIKE 'fed%%' AND archived_at IS NULL "
                "ORDER BY id LIMIT %s) ON CONFLICT DO NOTHING",
                member_name(size),
                size,
            )
        for size in FEDERATION_SIZES:
            run(
                f"INSERT INTO {{membership}} ({MEMBERSHIP_COLUMNS}) "
                f"SELECT f.id, u.id, 'member', now() - u.id * interval '1 second', {sort_key()} "
                "FROM {federation} f JOIN {user} o ON o.id = f.owner_id, {user} u "
                "WHERE f.name = %s AND u.username LIKE 'user%%' "
                "AND u.id IN (SELECT id FROM {user} WHERE username LIKE 'user%%' ORDER BY id LIMIT %s) "
                "ON CONFLICT DO NOTHING",
                federation_name(size),
                size - 1,
            )
        # Five invitations per generic federation: one of each status.
        run(
            "INSERT INTO {invitation} (federation_id, invitee_id, inviter_id, status, created_at, expires_at, "
            "responded_at, reason) "
            "SELECT f.id, u.id, f.owner_id, (ARRAY['pending','accepted','declined','revoked','expired'])[k], "
            "now() - k * interval '1 day', now() + interval '14 days', "
            "CASE WHEN k = 1 THEN null ELSE now() END, '' "
            "FROM {federation} f CROSS JOIN generate_series(1, %s) AS k "
            "JOIN {user} u ON u.username = 'user' || ((f.id * 31 + k * 3301) %% %s + 1) "
            "WHERE f.name LIKE 'fed%%' AND u.id <> f.owner_id ON CONFLICT DO NOTHING",
            INVITATIONS_PER_FEDERATION,
            users,
        )
        # Pending invitations in the named users' inboxes and on the big federation's Members tab.
        run(
            "INSERT INTO {invitation} (federation_id, invitee_id, inviter_id, status, created_at, expires_at, reason) "
            "SELECT f.id, u.id, f.owner_id, 'pending', now(), now() + interval '14 days', '' "
            "FROM {user} u CROSS JOIN LATERAL (SELECT * FROM {federation} WHERE name LIKE 'fed%%' "
            "AND archived_at IS NULL AND owner_id <> u.id ORDER BY id DESC LIMIT %s) f "
            "WHERE u.username = ANY(%s) ON CONFLICT DO NOTHING",
            PENDING_FOR_NAMED_USERS,
            named_users,
        )
        # The busy user: BUSY_COUNT pending invitations and as many live CLI sessions.
        run(
            "INSERT INTO {invitation} (federation_id, invitee_id, inviter_id, status, created_at, expires_at, reason) "
            "SELECT f.id, u.id, f.owner_id, 'pending', now() - f.id * interval '1 second', "
            "now() + interval '14 days', '' "
            "FROM {user} u CROSS JOIN LATERAL (SELECT * FROM {federation} WHERE name LIKE 'fed%%' "
            "AND archived_at IS NULL ORDER BY id LIMIT %s) f WHERE u.username = %s ON CONFLICT DO NOTHING",
            BUSY_COUNT,
            BUSY_USER,
        )
        run(
            "INSERT INTO {cli_session} (user_id, access_token_hash, refresh_token_hash, created_at, access_expires_at, "
            "refresh_expires_at, last_used_at) "
            "SELECT u.id, 'bench-a-' || i, 'bench-r-' || i, now() - i * interval '1 hour', now() + interval '1 hour', "
            "now() + interval '30 days', now() - i * interval '1 minute' "
            "FROM {user} u, generate_series(1, %s) AS i WHERE u.username = %s",
            BUSY_COUNT,
            BUSY_USER,
        )
        # ... and as many signing keys as an account may have in use, with some removed ones.
        run(
            "INSERT INTO {signing_key} (user_id, name, public_key, key_id, created_at, removed_at) "
            "SELECT u.id, 'Bench key ' || i, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench' || i, 'SHA256:bench-' || i, "
            "now() - i * interval '1 day', CASE WHEN i > %s THEN now() END "
            "FROM {user} u, generate_series(1, %s) AS i WHERE u.username = %s",
            MAX_SIGNING_KEYS,
            MAX_SIGNING_KEYS * 3,
            BUSY_USER,
        )
        # The largest federation has as many webhooks as a federation may, each with a long delivery history.
        run(
            "INSERT INTO {webhook} (federation_id, url, events, secret, created_by_id, created_at) "
            "SELECT f.id, 'https://hooks.example.org/bench/' || i, '[\"run.finished\", \"run.started\"]', "
            "md5(i::text), f.owner_id, now() - i * interval '1 day' "
            "FROM {federation} f, generate_series(1, %s) AS i WHERE f.name = %s",
            MAX_WEBHOOKS,
            federation_name(max(FEDERATION_SIZES)),
        )
        run(
            "INSERT INTO {delivery} (webhook_id, event_id, event, body, status, attempts, status_code, error, "
            "response_body, created_at, attempted_at, delivered_at) "
            "SELECT w.id, gen_random_uuid(), 'run.finished', '{{}}', 'delivered', 1, 200, '', 'ok', "
            "now() - i * interval '1 hour', now() - i * interval '1 hour', now() - i * interval '1 hour' "
            "FROM {webhook} w, generate_series(1, %s) AS i",
            DELIVERIES_PER_WEBHOOK,
        )
        run(
            "INSERT INTO {invitation} (federation_id, invitee_id, inviter_id, status, created_at, expires_at, reason) "
            "SELECT f.id, u.id, f.owner_id, 'pending', now(), now() + interval '14 days', '' "
            "FROM {federation} f, {user} u WHERE f.name = %s "
            "AND u.id IN (SELECT id FROM {user} WHERE username LIKE 'user%%' ORDER BY id DESC LIMIT %s) "
            "ON CONFLICT DO NOTHING",
            federation_name(max(FEDERATION_SIZES)),
            PENDING_IN_BIG_FEDERATION,
        )
        run(
            "INSERT INTO {activity} (federation_id, actor_id, verb, target, created_at) "
            "SELECT f.id, f.owner_id, (ARRAY['created','invited','invitation_accepted','member_left',"
            "'description_changed'])[k %% 5 + 1], 'user' || k, f.created_at + k * interval '1 minute' "
            "FROM {federation} f CROSS JOIN generate_series(1, %s) AS k",
            ACTIVITY_PER_FEDERATION,
        )
        run(
            "INSERT INTO {node} (federation_id, node_id, owner_id, added_at) "
            "SELECT id, (1000000000 + id)::text, owner_id, now() FROM {federation} "
            "WHERE kind = 'deployment' AND name LIKE 'fed%%'"
        )
        run(
            "INSERT INTO {node} (federation_id, node_id, owner_id, added_at) "
            "SELECT f.id, (2000000000 + k)::text, f.owner_id, now() FROM {federation} f "
            "CROSS JOIN generate_series(1, %s) AS k WHERE f.name = %s",
            NODES_IN_BIG_FEDERATION,
            federation_name(max(FEDERATION_SIZES)),
        )
        # The Hub: a thousand public apps of generic users, and the big owner's app with a hundred versions.
        run(
            "INSERT INTO {app} (owner_id, name, description, created_at, updated_at, private, run_count) "
            "SELECT u.id, 'app' || i, 'Bench app number ' || i || ': federated training of a small model', "
            "now() - i * interval '1 hour', now() - i * interval '1 hour', false, i %% 97 "
            "FROM generate_series(1, %s) AS i "
            "JOIN {user} u ON u.username = 'user' || ((i - 1) %% %s + 1)",
            HUB_APPS,
            users,
        )
        run(
            "INSERT INTO {app} (owner_id, name, description, created_at, private, run_count) "
            "SELECT id, %s, 'The bench app with many versions', now(), false, 500 FROM {user} WHERE username = %s",
            HUB_APP,
            BIG_OWNER,
        )
        version_columns = (
            "app_id, version, fab_file, sha256, size, run_config, readme, published_by_id, published_at, hidden"
        )
        run(
            f"INSERT INTO {{version}} ({version_columns}) "
            "SELECT a.id, '1.0.0', 'fabs/bench.fab', md5(a.name) || md5(a.name), 8000, "
            "'{{\"num-server-rounds\": 3, \"lr\": 0.1}}', '', a.owner_id, a.created_at, false "
            "FROM {app} a WHERE a.name LIKE 'app%%'"
        )
        run(
            f"INSERT INTO {{version}} ({version_columns}) "
            "SELECT a.id, '1.0.' || k, 'fabs/bench.fab', md5(k::text) || md5(k::text), 8000 + k, "
            "'{{\"num-server-rounds\": 3, \"lr\": 0.1}}', repeat('A line of the README. ', 200), a.owner_id, "
            "now() - k * interval '1 day', false "
            "FROM {app} a CROSS JOIN generate_series(1, %s) AS k WHERE a.name = %s",
            HUB_APP_VERSIONS,
            HUB_APP,
        )
        cursor.execute("ANALYZE")
    return counts()
