"""Bearer JWT (HS256) → the person on the roster and the offices they hold now (api.md)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import jwt
from fastapi import HTTPException, Request

from domain.base import Actor
from domain.clock import local_date
from domain.leaves import LEDGER_ID
from domain.roster import ROSTER_ID
from domain.rules import NotFound

ALGORITHM = "HS256"
MAX_LIFETIME = 24 * 3600  # seconds; GOVRULES_TOKEN_MAX_LIFETIME
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="govrules"'}


def unauthorised(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers=CHALLENGE)


def decode_subject(authorization: str | None, secret: str, max_lifetime: int = MAX_LIFETIME) -> str:
    """The ``sub`` of a valid token; 401 for a missing, malformed, expired or forged one, one
    without ``exp``, or one that would live longer than ``max_lifetime`` seconds. The details
    are fixed per case: nothing of the JWT library's own messages reaches the client."""
    if not authorization:
        raise unauthorised("missing bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorised("expected 'Authorization: Bearer <token>'")
    try:
        claims = jwt.decode(
            token.strip(), secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.ExpiredSignatureError:
        raise unauthorised("token expired") from None
    except jwt.InvalidSignatureError:  # before DecodeError, its base
        raise unauthorised("bad signature") from None
    except jwt.MissingRequiredClaimError:
        raise unauthorised("token must carry sub and exp") from None
    except jwt.ImmatureSignatureError:
        raise unauthorised("token not valid yet") from None
    except jwt.InvalidTokenError:
        raise unauthorised("malformed token") from None
    issued = claims.get("iat")
    start = issued if isinstance(issued, int | float) else time.time()
    if claims["exp"] - start > max_lifetime:
        raise unauthorised(f"token lifetime exceeds {max_lifetime} s")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise unauthorised("token has no subject")
    return subject


def issue_token(person_id: str, secret: str, now: datetime, ttl: timedelta) -> str:
    """A token for ``person_id`` (dev start-up, tests and demos)."""
    claims = {"sub": person_id, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the authenticated person, as the roster has them now (P1). The
    roster read for it (the shared current state, not a copy) is kept on ``request.state``:
    a write judges on the same roster instead of reading it again."""
    services = request.app.state.services
    settings = services.settings
    person_id = decode_subject(
        request.headers.get("authorization"), settings.secret, settings.token_max_lifetime
    )
    if request.method in ("GET", "HEAD"):
        try:
            known: dict[Any, Any] = {ROSTER_ID: services.app.roster()}
        except NotFound:
            known = {}
    else:  # a write: the absence ledger too (who is away at the act), in the same query
        known = services.app.views([ROSTER_ID, LEDGER_ID])
    roster = known.get(ROSTER_ID)
    actor: Actor | None = (
        roster.actor(person_id, local_date(services.clock.now())) if roster is not None else None
    )
    if actor is None:
        raise unauthorised("the token's person holds no office on the roster now")
    request.state.known = tuple(known.values())
    return actor
