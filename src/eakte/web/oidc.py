"""Sign-in through OpenID Connect (Keycloak, ADFS, …): authorization code flow with PKCE.

``GET /login/oidc`` sends the browser to the provider. State, nonce, PKCE verifier and the page
to return to travel in a short-lived, HMAC-signed, HttpOnly cookie limited to ``/login/oidc``;
nothing is stored on the server. ``GET /login/oidc/callback`` checks the state, exchanges the
code, validates the ID token (signature against the provider's JWKS, issuer, audience, nonce,
lifetime) and maps the person to an eakte account: first by ``users.oidc_subject``, else — on
the first SSO login — by the claim named in ``oidc_username_claim`` (``preferred_username``;
ADFS: ``upn``) equal to the eakte login, which then gets the subject stored. Accounts, units and
roles stay managed in eakte; unknown people are refused.

Logout (RP-initiated): the ID token of an SSO login is kept in a cookie limited to ``/logout``
and bound by HMAC to that session's cookie (the sessions table has no place for it). ``POST
/logout`` ends the eakte session and then sends the browser to the provider's
``end_session_endpoint`` with ``id_token_hint``, ``client_id`` and ``post_logout_redirect_uri``
(``/login?abgemeldet=1``). It does so with a ``Refresh`` header, not a redirect: browsers apply
the page's CSP ``form-action 'self'`` to redirects that follow a form submission.

The provider is found by discovery (``<issuer>/.well-known/openid-configuration``); metadata
and keys are cached for an hour, the keys are fetched again when a token names an unknown key.
The cookie's signing key is derived from the client secret; a public client (no secret) gets a
random key per process, so such a setup must serve from one process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from eakte import audit
from eakte.auth import service as auth
from eakte.db.schema import users
from eakte.records.organisation import User, get_user
from eakte.settings import Settings
from eakte.web import pages
from eakte.web.security import state

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

FLOW_COOKIE = "eakte_oidc"
FLOW_PATH = "/login/oidc"
FLOW_LIFETIME = 600  # seconds between leaving for the provider and coming back
CACHE_SECONDS = 3600
LOGOUT_COOKIE = "eakte_oidc_logout"
LOGOUT_PATH = "/logout"
MAX_KEPT_ID_TOKEN = 3500  # browsers drop cookies above 4096 bytes
LOGGED_OUT = "/login?abgemeldet=1"  # the post_logout_redirect_uri, on the callback's host
HTTP_TIMEOUT = 10.0
LEEWAY = 60  # seconds of clock skew accepted in token times
SCOPE = "openid profile"
# Asymmetric signatures only: "none" and HMAC (keyed with the client secret) are refused.
ID_TOKEN_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)

RESTART = "Bitte melden Sie sich noch einmal an."
UNREACHABLE = (
    "Der Anmeldedienst (SSO) ist gerade nicht erreichbar. Bitte versuchen Sie es später noch "
    "einmal oder melden Sie sich mit Anmeldename und Passwort an."
)


class OidcError(Exception):
    """The flow cannot go on; ``message`` is German and shown to the person."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    token_auth_methods: tuple[str, ...]


@dataclass(frozen=True)
class Flow:
    """What the browser carries to the provider and back (in the signed cookie)."""

    state: str
    nonce: str
    verifier: str
    target: str
    started: int


@dataclass(frozen=True)
class Identity:
    subject: str
    username: str | None


class OidcClient:
    """The relying party: discovery, token exchange, ID token validation, userinfo."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        if not settings.oidc_issuer:
            raise ValueError("oidc_issuer is not set")
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret
        self.redirect_url = settings.oidc_redirect_url
        self.username_claim = settings.oidc_username_claim
        self._transport = transport
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None
        if self.client_secret:
            self._cookie_key = hmac.new(
                self.client_secret.encode(), b"eakte oidc flow cookie", hashlib.sha256
            ).digest()
        else:
            self._cookie_key = secrets.token_bytes(32)

    # -- HTTP ------------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        return httpx.Client(timeout=HTTP_TIMEOUT, transport=self._transport, follow_redirects=False)

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            value = response.json()
        except ValueError:
            value = None
        if not isinstance(value, dict):
            log.warning("OIDC %s: HTTP %s, no JSON object", what, response.status_code)
            raise OidcError(UNREACHABLE, 502)
        return value

    def _get(self, url: str, what: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            with self._http() as client:
                response = client.get(url, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            log.warning("OIDC %s: %s unreachable: %s", what, url, exc)
            raise OidcError(UNREACHABLE, 502) from exc
        if response.status_code != 200:
            log.warning("OIDC %s: %s answered HTTP %s", what, url, response.status_code)
            raise OidcError(UNREACHABLE, 502)
        return self._json(response, what)

    # -- discovery and keys ----------------------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._metadata and self._metadata[0] > time.monotonic():
                return self._metadata[1]
        document = self._get(f"{self.issuer}/.well-known/openid-configuration", "discovery")
        issuer = document.get("issuer")
        if not isinstance(issuer, str) or issuer.rstrip("/") != self.issuer:
            log.warning("OIDC discovery: issuer %r does not match %r", issuer, self.issuer)
            raise OidcError(
                "Der Anmeldedienst (SSO) ist falsch eingerichtet: sein Aussteller passt nicht zur "
                "Einstellung oidc_issuer. Bitte wenden Sie sich an die IT.",
                502,
            )
        try:
            metadata = ProviderMetadata(
                issuer=issuer,
                authorization_endpoint=_url(document, "authorization_endpoint"),
                token_endpoint=_url(document, "token_endpoint"),
                jwks_uri=_url(document, "jwks_uri"),
                userinfo_endpoint=_optional_url(document, "userinfo_endpoint"),
                end_session_endpoint=_optional_url(document, "end_session_endpoint"),
                token_auth_methods=tuple(
                    str(m)
                    for m in document.get(
                        "token_endpoint_auth_methods_supported", ["client_secret_basic"]
                    )
                ),
            )
        except KeyError as exc:
            log.warning("OIDC discovery: %s missing or not a URL", exc)
            raise OidcError(UNREACHABLE, 502) from exc
        with self._lock:
            self._metadata = (time.monotonic() + CACHE_SECONDS, metadata)
        return metadata

    def key_set(self, refresh: bool = False) -> KeySet:
        with self._lock:
            if not refresh and self._keys and self._keys[0] > time.monotonic():
                return self._keys[1]
        document = self._get(self.metadata().jwks_uri, "jwks")
        keys = [
            k
            for k in document.get("keys", [])
            if isinstance(k, dict)
            and k.get("kty") in ("RSA", "EC", "OKP")
            and k.get("use", "sig") == "sig"
        ]
        try:
            key_set = KeySet.import_key_set({"keys": keys})
        except (JoseError, ValueError) as exc:
            log.warning("OIDC jwks: no usable signing key: %s", exc)
            raise OidcError(UNREACHABLE, 502) from exc
        with self._lock:
            self._keys = (time.monotonic() + CACHE_SECONDS, key_set)
        return key_set

    # -- the flow --------------------------------------------------------------------------

    def callback_url(self, request: Request) -> str:
        return self.redirect_url or str(request.url_for("oidc_callback"))

    def authorization_url(self, flow: Flow, redirect_uri: str) -> str:
        endpoint = self.metadata().authorization_endpoint
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "state": flow.state,
                "nonce": flow.nonce,
                "code_challenge": _s256(flow.verifier),
                "code_challenge_method": "S256",
            }
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def exchange(self, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        metadata = self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {"Accept": "application/json"}
        methods = metadata.token_auth_methods
        if not self.client_secret:
            form["client_id"] = self.client_id
        elif "client_secret_basic" in methods or "client_secret_post" not in methods:
            # RFC 6749, 2.3.1: id and secret are form-encoded before Basic encoding.
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.client_id
            form["client_secret"] = self.client_secret
        try:
            with self._http() as client:
                response = client.post(metadata.token_endpoint, data=form, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            log.warning("OIDC token: %s unreachable: %s", metadata.token_endpoint, exc)
            raise OidcError(UNREACHABLE, 502) from exc
        tokens = self._json(response, "token")
        if response.status_code != 200 or not isinstance(tokens.get("id_token"), str):
            log.warning(
                "OIDC token: HTTP %s, error %r: %r",
                response.status_code,
                tokens.get("error"),
                tokens.get("error_description"),
            )
            raise OidcError("Der Anmeldedienst hat die Anmeldung nicht bestätigt. " + RESTART, 502)
        return tokens

    def validate_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of a valid ID token for this client and this flow, or OidcError."""
        issuer = self.metadata().issuer
        try:
            try:
                token = jwt.decode(id_token, self.key_set(), algorithms=ID_TOKEN_ALGORITHMS)
            except InvalidKeyIdError:  # the provider may have rotated its keys
                token = jwt.decode(
                    id_token, self.key_set(refresh=True), algorithms=ID_TOKEN_ALGORITHMS
                )
            claims = token.claims
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY,
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": self.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as exc:
            log.warning("OIDC id_token refused: %r", exc)
            raise OidcError(
                "Die Anmeldebestätigung des Anmeldedienstes ist ungültig. " + RESTART
            ) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        authorized_party = claims.get("azp")
        if (len(audiences) > 1 or authorized_party is not None) and (
            authorized_party != self.client_id
        ):
            log.warning("OIDC id_token refused: azp %r", authorized_party)
            raise OidcError("Die Anmeldebestätigung des Anmeldedienstes ist ungültig. " + RESTART)
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(
            claims["nonce"], nonce
        ):
            log.warning("OIDC id_token refused: nonce mismatch")
            raise OidcError("Die Anmeldebestätigung gehört nicht zu dieser Anmeldung. " + RESTART)
        return claims

    def username(self, claims: dict[str, Any], access_token: str | None) -> str:
        """The eakte login: the configured claim from the ID token, else from userinfo."""
        name = _text(claims.get(self.username_claim))
        endpoint = self.metadata().userinfo_endpoint
        if name is None and endpoint and access_token:
            info = self._get(endpoint, "userinfo", {"Authorization": f"Bearer {access_token}"})
            if info.get("sub") == claims["sub"]:
                name = _text(info.get(self.username_claim))
            else:
                log.warning("OIDC userinfo: sub %r differs from the ID token", info.get("sub"))
        if name is not None:
            return name
        log.warning(
            "OIDC login refused: no claim %r for sub %r", self.username_claim, claims["sub"]
        )
        raise OidcError(
            f"Der Anmeldedienst hat Ihren Anmeldenamen (Angabe „{self.username_claim}“) nicht "
            "mitgeschickt, daher lässt sich Ihre Anmeldung keinem Konto der E-Akte zuordnen. "
            "Bitte wenden Sie sich an die IT: der Anmeldedienst muss diese Angabe senden, oder "
            "die Einstellung oidc_username_claim muss eine Angabe nennen, die er sendet.",
            502,
        )

    # -- logout ----------------------------------------------------------------------------

    def logout_cookie(self, session_cookie: str, id_token: str) -> str:
        """Keeps the ID token for the logout, bound to this session (too long: not kept)."""
        if len(id_token) > MAX_KEPT_ID_TOKEN:
            log.info("OIDC: ID token of %d characters not kept for the logout", len(id_token))
            id_token = ""
        return f"{id_token}.{_b64(self._bind(session_cookie, id_token))}"

    def kept_id_token(self, cookie: str | None, session_cookie: str) -> str | None:
        """The ID token kept for this session ("" if too long to keep); None: no SSO session."""
        if not cookie or not session_cookie or "." not in cookie:
            return None
        id_token, _, signature = cookie.rpartition(".")
        try:
            genuine = hmac.compare_digest(_unb64(signature), self._bind(session_cookie, id_token))
        except ValueError:
            return None
        return id_token if genuine else None

    def end_session_url(self, id_token: str, post_logout_url: str) -> str | None:
        """Where the browser ends its session at the provider; None if it offers no logout."""
        endpoint = self.metadata().end_session_endpoint
        if endpoint is None:
            return None
        query = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_url}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"

    def _bind(self, session_cookie: str, id_token: str) -> bytes:
        message = f"eakte oidc logout\n{session_cookie}\n{id_token}".encode()
        return hmac.new(self._cookie_key, message, hashlib.sha256).digest()

    # -- the flow cookie -------------------------------------------------------------------

    def seal(self, flow: Flow) -> str:
        payload = _b64(
            json.dumps(
                [flow.state, flow.nonce, flow.verifier, flow.target, flow.started],
                separators=(",", ":"),
            ).encode()
        )
        return f"{payload}.{_b64(self._sign(payload))}"

    def unseal(self, cookie: str | None) -> Flow | None:
        if not cookie or cookie.count(".") != 1:
            return None
        payload, signature = cookie.split(".")
        try:
            if not hmac.compare_digest(_unb64(signature), self._sign(payload)):
                return None
            flow_state, nonce, verifier, target, started = json.loads(_unb64(payload))
            flow = Flow(str(flow_state), str(nonce), str(verifier), str(target), int(started))
        except (ValueError, TypeError):
            return None
        if not 0 <= time.time() - flow.started <= FLOW_LIFETIME:
            return None
        return flow

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._cookie_key, payload.encode(), hashlib.sha256).digest()


def _url(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or urlsplit(value).scheme not in ("https", "http"):
        raise KeyError(name)
    return value


def _optional_url(document: dict[str, Any], name: str) -> str | None:
    return _url(document, name) if document.get(name) else None


def _text(claim: Any) -> str | None:
    return claim.strip() if isinstance(claim, str) and claim.strip() else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())


def local_target(target: str | None) -> str:
    """A path on this site to return to after login; anything else becomes the desk."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
    ):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def client_of(request: Request) -> OidcClient:
    value: OidcClient = request.app.state.oidc
    return value


# -- mapping the person to an eakte account ------------------------------------------------


def _linked_login(connection: Connection, subject: str) -> str | None:
    row = connection.execute(
        select(users.c.login, users.c.active).where(users.c.oidc_subject == subject)
    ).first()
    if row is None:
        return None
    if not row.active:
        raise OidcError("Ihr Konto in der E-Akte ist deaktiviert.", 403)
    return str(row.login)


def sign_in(connection: Connection, identity: Identity) -> User:
    """The eakte user for this provider identity; links the subject on the first login."""
    linked = False
    login = _linked_login(connection, identity.subject)
    if login is None:
        row = None
        if identity.username:
            row = connection.execute(
                select(users.c.id, users.c.login, users.c.active, users.c.oidc_subject).where(
                    users.c.login == identity.username
                )
            ).first()
        if row is None or not row.active:
            log.warning(
                "OIDC login refused: no eakte account for sub %r, preferred_username %r",
                identity.subject,
                identity.username,
            )
            raise OidcError(
                "Für Ihre Anmeldung gibt es kein Konto in der E-Akte"
                + (f" (Anmeldename {identity.username})" if identity.username else "")
                + ". Konten und Organisationseinheiten werden in der E-Akte verwaltet: bitte "
                "wenden Sie sich an die Registratur oder die IT.",
                403,
            )
        if row.oidc_subject is not None:
            log.warning(
                "OIDC login refused: %s is linked to another subject than %r",
                row.login,
                identity.subject,
            )
            raise OidcError(
                f"Das Konto {row.login} ist bereits mit einer anderen SSO-Anmeldung verknüpft. "
                "Bitte wenden Sie sich an die IT.",
                403,
            )
        connection.execute(
            users.update().where(users.c.id == row.id).values(oidc_subject=identity.subject)
        )
        login, linked = str(row.login), True
    user = get_user(connection, login)
    details: dict[str, Any] = {"method": "oidc"}
    if linked:
        details["linked_subject"] = identity.subject
    audit.record(connection, user.login, "login", "user", user.login, details)
    return user


# -- routes --------------------------------------------------------------------------------


def _flow_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        FLOW_COOKIE,
        value,
        max_age=FLOW_LIFETIME,
        path=FLOW_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _failure(request: Request, error: OidcError) -> HTMLResponse:
    response = pages.render(
        request,
        "error.html",
        status=error.status,
        title="Anmeldung nicht möglich",
        message=error.message,
    )
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


@router.get("/login/oidc")
def oidc_start(request: Request, weiter: str | None = None) -> Response:
    client = client_of(request)
    flow = Flow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),  # 64 characters, RFC 7636 allows 43–128
        target=local_target(weiter),
        started=int(time.time()),
    )
    try:
        url = client.authorization_url(flow, client.callback_url(request))
    except OidcError as error:
        return _failure(request, error)
    response = RedirectResponse(url, status_code=303)
    _flow_cookie(request, response, client.seal(flow))
    return response


def _check_answer(request: Request, client: OidcClient, flow: Flow | None) -> tuple[Flow, str]:
    """The flow and the code of the provider's answer, or OidcError."""
    params = request.query_params
    if flow is None:
        raise OidcError("Die Anmeldung ist abgelaufen oder wurde nicht hier begonnen. " + RESTART)
    if not hmac.compare_digest(params.get("state", "").encode(), flow.state.encode()):
        log.warning("OIDC callback refused: state mismatch")
        raise OidcError(
            "Die Antwort des Anmeldedienstes gehört nicht zu dieser Anmeldung. " + RESTART
        )
    issuer = params.get("iss")  # RFC 9207, sent by providers that support it
    if issuer is not None and issuer != client.metadata().issuer:
        log.warning("OIDC callback refused: iss %r", issuer)
        raise OidcError("Die Antwort stammt nicht vom eingestellten Anmeldedienst. " + RESTART)
    if params.get("error"):
        log.warning(
            "OIDC callback: provider error %r: %r",
            params.get("error"),
            params.get("error_description"),
        )
        raise OidcError(
            "Die Anmeldung beim Anmeldedienst wurde abgebrochen oder abgelehnt. " + RESTART, 403
        )
    code = params.get("code")
    if not code:
        raise OidcError("Die Antwort des Anmeldedienstes ist unvollständig. " + RESTART)
    return flow, code


@router.get("/login/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request) -> Response:
    client = client_of(request)
    db = state(request).db
    try:
        flow, code = _check_answer(request, client, client.unseal(request.cookies.get(FLOW_COOKIE)))
        tokens = client.exchange(code, flow.verifier, client.callback_url(request))
        claims = client.validate_id_token(tokens["id_token"], flow.nonce)
        subject = str(claims["sub"])
        with db.read() as connection:
            known = _linked_login(connection, subject) is not None
        access = tokens.get("access_token")
        username = (
            None
            if known  # the subject decides; the username matters only for the first login
            else client.username(claims, access if isinstance(access, str) and access else None)
        )
        with db.write() as connection:
            user = sign_in(connection, Identity(subject, username))
            session = auth.start_session(connection, user)
    except OidcError as error:
        return _failure(request, error)
    except IntegrityError:  # the same person's first login twice at once: one of them links
        return _failure(request, OidcError(RESTART, 409))
    response = RedirectResponse(flow.target, status_code=303)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    pages.set_session_cookie(request, response, session.cookie)
    response.set_cookie(
        LOGOUT_COOKIE,
        client.logout_cookie(session.cookie, tokens["id_token"]),
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        path=LOGOUT_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def after_logout(request: Request, session_cookie: str, local: Response) -> Response:
    """Once the eakte session has ended: on to the provider's logout if the session came from
    SSO and the provider offers one, else ``local``. Called by ``pages.logout``."""
    client = client_of(request)
    id_token = client.kept_id_token(request.cookies.get(LOGOUT_COOKIE), session_cookie)
    url = None
    if id_token is not None:
        try:
            url = client.end_session_url(
                id_token, urljoin(client.callback_url(request), LOGGED_OUT)
            )
        except OidcError:  # provider unreachable: the eakte session has ended all the same
            url = None
    response = local
    if url is not None:
        request.state.session = None  # ended: the page shows no signed-in person
        response = pages.render(
            request,
            "login.html",
            target="/",
            error=None,
            notice="Sie sind abgemeldet. Sie werden jetzt auch beim Anmeldedienst abgemeldet …",
            oidc=True,
        )
        # Not a redirect: the CSP's form-action 'self' would block it after the form post.
        response.headers["Refresh"] = f"0; url={url}"
    response.delete_cookie(LOGOUT_COOKIE, path=LOGOUT_PATH)
    return response
