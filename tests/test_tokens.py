"""API tokens: shown once, kept hashed, scoped to their user, revocable."""

import pytest

from cockpit import auth, store, tokens
from tests.test_websession import users  # noqa: F401  (fixture: boss, dealer_b on S3)

pytestmark = pytest.mark.engines  # users, sessions, tokens and the audit log on DuckDB and on chDB

def test_a_token_acts_as_its_user_and_is_kept_hashed(users):
    token_id, token = tokens.add(users, "dealer_b", label="weekly Excel")
    assert token.startswith(f"ck_{token_id}_")
    user = tokens.resolve(users, token)
    assert (user.username, user.scope) == ("dealer_b", (("store", ("S3",)),))
    secret = token.split("_", 2)[2]
    row = store.fetchall(users, "SELECT secret_hash, label, last_used FROM api_tokens")[0]
    assert secret not in row[0] and row[1] == "weekly Excel" and row[2] is not None


@pytest.mark.parametrize("bad", ["", None, "ck_", "ck_nope_x", "Bearer ck_x_y", "ck_{id}_wrongsecret", "{id}"])
def test_unknown_or_malformed_tokens_are_nobody(users, bad):
    token_id, token = tokens.add(users, "boss")
    assert tokens.resolve(users, bad and bad.format(id=token_id)) is None


def test_revoked_tokens_and_removed_users_stop_working(users):
    tid, token = tokens.add(users, "dealer_b")
    tokens.revoke(users, tid)
    assert tokens.resolve(users, token) is None
    with pytest.raises(auth.AuthError, match="no token"):
        tokens.revoke(users, tid)
    _, token2 = tokens.add(users, "dealer_b")
    auth.delete_user(users, "dealer_b")
    assert tokens.resolve(users, token2) is None
    with pytest.raises(auth.AuthError, match="no user"):
        tokens.add(users, "ghost")


def test_list_shows_no_secret(users):
    tokens.add(users, "boss", label="a")
    tokens.add(users, "dealer_b", label="b")
    assert [r[1] for r in tokens.list_tokens(users, "dealer_b")] == ["dealer_b"]
    assert len(tokens.list_tokens(users)) == 2
    assert all(not any(str(c).startswith("ck_") for c in r) for r in tokens.list_tokens(users))
