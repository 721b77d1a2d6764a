"""Sign-in, sessions and API tokens. Services take a connection and never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, select

from eakte import audit
from eakte.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from eakte.core.lockout import lock_after_failure
from eakte.db.schema import api_tokens, sessions, users
from eakte.errors import ValidationError
from eakte.records.organisation import User, get_user, user_of, with_units

SESSION_LIFETIME = timedelta(hours=10)
TOKEN_PREFIX = "eakte_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SignIn:
    user: User | None
    message: str | None  # German, for the person signing in


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of the (slow) argon2 check, made outside any write transaction."""

    login: str
    verdict: str  # "ok", "wrong", "locked" or "unknown"
    message: str | None = None


WRONG = "Anmeldename oder Passwort ist falsch."


def check_password(connection: Connection, login: str, password: str) -> PasswordCheck:
    """Verify a password; reads only, so it may run beside the writer."""
    login = login.strip()
    row = connection.execute(select(users).where(users.c.login == login)).first()
    if row is None or not row.active:
        verify_password(None, password)
        return PasswordCheck(login, "unknown", WRONG)
    if row.locked_until is not None and _utc(row.locked_until) > datetime.now(UTC):
        until = _utc(row.locked_until).astimezone()
        return PasswordCheck(
            login,
            "locked",
            f"Zu viele Fehlversuche: das Konto ist bis {until:%H:%M:%S} Uhr gesperrt.",
        )
    if not verify_password(row.password_hash, password):
        return PasswordCheck(login, "wrong", WRONG)
    return PasswordCheck(login, "ok")


def settle(connection: Connection, check: PasswordCheck, password: str) -> SignIn:
    """Record the outcome: count a failure (and maybe lock), or reset and audit the login."""
    if check.verdict in ("unknown", "locked"):
        return SignIn(None, check.message)
    row = connection.execute(select(users).where(users.c.login == check.login)).one()
    if check.verdict == "wrong":
        failed = row.failed_logins + 1
        connection.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(
                failed_logins=failed, locked_until=lock_after_failure(failed, datetime.now(UTC))
            )
        )
        audit.record(
            connection, row.login, "login.failed", "user", row.login, {"failed_logins": failed}
        )
        return SignIn(None, check.message)
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    connection.execute(users.update().where(users.c.id == row.id).values(**values))
    audit.record(connection, row.login, "login", "user", row.login, {"method": "password"})
    return SignIn(get_user(connection, row.login), None)


def authenticate(connection: Connection, login: str, password: str) -> SignIn:
    """Check and record in one transaction (the web login splits the two, see ``pages``)."""
    return settle(connection, check_password(connection, login, password), password)


def set_password(connection: Connection, login: str, password: str, actor: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"Das Passwort braucht mindestens {MIN_LENGTH} Zeichen.")
    user = get_user(connection, login)
    connection.execute(
        users.update()
        .where(users.c.id == user.id)
        .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
    )
    audit.record(connection, actor, "user.password", "user", login, {})


@dataclass(frozen=True)
class Session:
    cookie: str  # the secret the browser holds
    csrf_token: str
    user: User


def start_session(connection: Connection, user: User) -> Session:
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    connection.execute(
        sessions.insert().values(
            id=_digest(cookie),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return Session(cookie, csrf, user)


# Every request asks one of these two: built once (building costs more than running them).
_SESSION_USER = with_units(
    select(sessions.c.csrf_token, sessions.c.expires_at)
    .select_from(sessions)
    .join(users, users.c.id == sessions.c.user_id)
    .where(sessions.c.id == bindparam("digest"))
)
_TOKEN_USER = with_units(
    select()
    .select_from(api_tokens)
    .join(users, users.c.id == api_tokens.c.user_id)
    .where(api_tokens.c.token_hash == bindparam("digest"), api_tokens.c.revoked_at.is_(None))
)


def find_session(connection: Connection, cookie: str) -> Session | None:
    """The session of this cookie with its person and units, in one query."""
    rows = connection.execute(_SESSION_USER, {"digest": _digest(cookie)}).all()
    user = user_of(rows)  # None as well when deactivated since
    if user is None or _utc(rows[0].expires_at) <= datetime.now(UTC):
        return None
    return Session(cookie, rows[0].csrf_token, user)


def end_session(connection: Connection, cookie: str) -> None:
    connection.execute(sessions.delete().where(sessions.c.id == _digest(cookie)))


def create_token(connection: Connection, login: str, name: str, actor: str) -> str:
    """A new API token for ``login``; only its hash is stored, so it is shown once."""
    user = get_user(connection, login)
    if not name.strip():
        raise ValidationError("Bitte einen Namen für das Token angeben (z. B. das Fachverfahren).")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    connection.execute(
        api_tokens.insert().values(
            user_id=user.id,
            name=name.strip(),
            token_hash=_digest(token),
            created_at=datetime.now(UTC),
        )
    )
    audit.record(connection, actor, "token.create", "user", login, {"name": name.strip()})
    return token


def user_for_token(connection: Connection, token: str) -> User | None:
    return user_of(connection.execute(_TOKEN_USER, {"digest": _digest(token)}).all())


def revoke_tokens(connection: Connection, login: str, name: str, actor: str) -> int:
    user = get_user(connection, login)
    result = connection.execute(
        api_tokens.update()
        .where(
            api_tokens.c.user_id == user.id,
            api_tokens.c.name == name,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC))
    )
    audit.record(connection, actor, "token.revoke", "user", login, {"name": name})
    return int(result.rowcount)
