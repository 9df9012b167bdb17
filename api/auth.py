"""Bearer JWT (HS256) → the person on the roster and the offices they hold now (api.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt
from fastapi import HTTPException, Request

from domain.base import Actor

ALGORITHM = "HS256"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="govrules"'}


def unauthorised(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers=CHALLENGE)


def decode_subject(authorization: str | None, secret: str) -> str:
    """The ``sub`` of a valid token; 401 for a missing, malformed, expired or forged one."""
    if not authorization:
        raise unauthorised("missing bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorised("expected 'Authorization: Bearer <token>'")
    try:
        claims = jwt.decode(
            token.strip(), secret, algorithms=[ALGORITHM], options={"require": ["sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise unauthorised("token expired") from None
    except jwt.InvalidTokenError as e:
        raise unauthorised(f"invalid token: {e}") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise unauthorised("token has no subject")
    return subject


def issue_token(person_id: str, secret: str, now: datetime, ttl: timedelta) -> str:
    """A token for ``person_id`` (dev start-up, tests and demos)."""
    claims = {"sub": person_id, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the authenticated person, as the roster has them now (P1)."""
    services = request.app.state.services
    person_id = decode_subject(request.headers.get("authorization"), services.settings.secret)
    actor: Actor | None = services.app.actor(person_id, services.clock.now())
    if actor is None:
        raise unauthorised(f"{person_id} holds no office on the roster now")
    return actor
