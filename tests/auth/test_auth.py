"""Passwords, lockout, sessions and API tokens on both backends."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from eakte.auth import service
from eakte.auth.passwords import hash_password, verify_password
from eakte.core.lockout import lock_after_failure
from eakte.db.engine import Database
from eakte.errors import ValidationError
from tests.helpers import make_county


def test_argon2_hashes() -> None:
    stored = hash_password("richtig-lang")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "richtig-lang")
    assert not verify_password(stored, "falsch")
    assert not verify_password(None, "egal")
    assert not verify_password("kaputt", "egal")


def test_lockout_backs_off() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert lock_after_failure(4, now) is None
    assert lock_after_failure(5, now) == now + timedelta(seconds=30)
    assert lock_after_failure(6, now) == now + timedelta(seconds=60)
    assert lock_after_failure(40, now) == now + timedelta(hours=1)


def test_sign_in_counts_failures_and_locks(db: Database, rules: Any) -> None:
    make_county(db, rules)
    with db.write() as c:
        service.set_password(c, "bau", "geheim-123", "admin")
    for _ in range(5):
        with db.write() as c:
            result = service.authenticate(c, "bau", "falsch")
        assert result.user is None and result.message == "Anmeldename oder Passwort ist falsch."
    with db.write() as c:
        locked = service.authenticate(c, "bau", "geheim-123")
    assert locked.user is None and "gesperrt" in (locked.message or "")
    with db.write() as c:
        c.execute(text("UPDATE users SET locked_until = NULL WHERE login = 'bau'"))
        ok = service.authenticate(c, "bau", "geheim-123")
    assert ok.user is not None and ok.user.login == "bau"
    with db.write() as c:
        unknown = service.authenticate(c, "niemand", "x")
    assert unknown.message == "Anmeldename oder Passwort ist falsch."
    with pytest.raises(ValidationError), db.write() as c:
        service.set_password(c, "bau", "kurz", "admin")


def test_sessions_and_tokens(db: Database, rules: Any) -> None:
    make_county(db, rules)
    with db.write() as c:
        user = service.authenticate(c, "bau", "x").user
    assert user is None
    with db.write() as c:
        from eakte.records.organisation import get_user

        session = service.start_session(c, get_user(c, "bau"))
        token = service.create_token(c, "bau", "Fachverfahren Bau", "admin")
    with db.read() as c:
        found = service.find_session(c, session.cookie)
        stored = c.execute(text("SELECT token_hash FROM api_tokens")).scalar_one()
        assert found is not None and found.csrf_token == session.csrf_token
        assert service.find_session(c, "erfunden") is None
        assert token not in stored  # only the hash is stored
        by_token = service.user_for_token(c, token)
        assert by_token is not None and by_token.login == "bau"
    with db.write() as c:
        service.end_session(c, session.cookie)
        assert service.revoke_tokens(c, "bau", "Fachverfahren Bau", "admin") == 1
    with db.read() as c:
        assert service.find_session(c, session.cookie) is None
        assert service.user_for_token(c, token) is None
