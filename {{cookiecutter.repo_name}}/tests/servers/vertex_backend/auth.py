"""Google's token endpoints, as Workload Identity Federation uses them, and the tokens they issue.

- STS `POST /v1/token` (https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token,
  RFC 8693 token exchange): a form with the external subject token (any JWT-shaped string whose
  payload has `sub`, as GitHub's OIDC tokens do) and the workload identity provider as
  `audience`; answers a federated access token for
  `principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/subject/SUB`.
  Errors are OAuth's {"error", "error_description"}.
- IAM Credentials `POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken`
  (https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken):
  with a valid bearer token and a non-empty `scope`, a token for the service account; errors in
  Google's JSON shape. An empty `scope` is 400 "Request contains an invalid argument.", as IAM
  answers the unscoped credentials `google.auth.default()` returns without `scopes=`.

Each token remembers its principal, so tests can see who called. Expiry is by the wall clock
(clients refresh by it). The signature of the subject token is not checked: nothing here holds
GitHub's keys.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from tests.servers.vertex_backend.errors import invalid_argument, unauthenticated

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
SUBJECT_TOKEN_TYPES = {
    "urn:ietf:params:oauth:token-type:jwt",
    "urn:ietf:params:oauth:token-type:id_token",
}
PROVIDER = re.compile(
    r"^//iam\.googleapis\.com/projects/(?P<number>\d+)/locations/global/"
    r"workloadIdentityPools/(?P<pool>[^/]+)/providers/[^/]+$"
)
SERVICE_ACCOUNT = re.compile(r"^[^@/\s]+@[^@/\s]+\.gserviceaccount\.com$")
LIFETIME = dt.timedelta(hours=1)


@dataclass(frozen=True)
class IssuedToken:
    value: str
    principal: str
    expires_at: dt.datetime


class OAuthError(Exception):
    """An STS refusal: HTTP 400 with OAuth 2.0's error body."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.body = {"error": error, "error_description": description}


class Tokens:
    def __init__(self) -> None:
        self._issued: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    def _issue(self, principal: str, prefix: str, lifetime: dt.timedelta = LIFETIME) -> IssuedToken:
        token = IssuedToken(
            value=f"{prefix}.{secrets.token_urlsafe(32)}",
            principal=principal,
            expires_at=dt.datetime.now(dt.UTC) + lifetime,
        )
        with self._lock:
            self._issued[token.value] = token
        return token

    def principal(self, authorization: str) -> str:
        """The principal behind an `Authorization: Bearer` header; ApiError 401 otherwise."""
        scheme, _, value = authorization.partition(" ")
        if not authorization:
            raise unauthenticated(missing=True)
        with self._lock:
            token = self._issued.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None or token.expires_at <= dt.datetime.now(dt.UTC):
            raise unauthenticated(missing=False)
        return token.principal

    def issue_for(self, principal: str) -> str:
        """A token for `principal` without the exchange (a test acting as someone directly)."""
        return self._issue(principal, "ya29.test").value

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        """STS token exchange: the federated access token, or OAuthError."""
        if form.get("grant_type") != TOKEN_EXCHANGE:
            raise OAuthError(
                "unsupported_grant_type", f"Unsupported grant_type {form.get('grant_type')!r}."
            )
        if form.get("subject_token_type") not in SUBJECT_TOKEN_TYPES:
            raise OAuthError("invalid_request", 'Invalid value for "subject_token_type".')
        if form.get("requested_token_type", ACCESS_TOKEN_TYPE) != ACCESS_TOKEN_TYPE:
            raise OAuthError("invalid_request", 'Invalid value for "requested_token_type".')
        provider = PROVIDER.match(form.get("audience", ""))
        if not provider:
            raise OAuthError(
                "invalid_request",
                'Invalid value for "audience". This value '
                "should be the full resource name of the Identity Provider.",
            )
        subject = _jwt_subject(form.get("subject_token", ""))
        principal = (
            f"principal://iam.googleapis.com/projects/{provider['number']}/locations/global/"
            f"workloadIdentityPools/{provider['pool']}/subject/{subject}"
        )
        token = self._issue(principal, "ya29.d.sts")
        return {
            "access_token": token.value,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": int(LIFETIME.total_seconds()) - 1,
        }

    def generate_access_token(self, email: str, body: dict[str, Any]) -> dict[str, Any]:
        """IAM Credentials generateAccessToken for `email` (the caller was already checked)."""
        if not SERVICE_ACCOUNT.match(email):
            raise invalid_argument(f"Invalid service account email {email!r}.")
        if not body.get("scope"):
            # What IAM really answers when a client forgets the scopes: google.auth.default()
            # without scopes=... gives unscoped credentials, and impersonation then fails.
            raise invalid_argument("Request contains an invalid argument.")
        lifetime = LIFETIME
        if body.get("lifetime"):
            match = re.fullmatch(r"(\d+)s", str(body["lifetime"]))
            if not match or not 1 <= int(match.group(1)) <= 43200:
                raise invalid_argument(f"Invalid lifetime {body['lifetime']!r}.")
            lifetime = dt.timedelta(seconds=int(match.group(1)))
        token = self._issue(email, "ya29.c.sa", lifetime)
        # Whole seconds: google-auth parses expireTime with "%Y-%m-%dT%H:%M:%SZ".
        return {
            "accessToken": token.value,
            "expireTime": token.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def _jwt_subject(token: str) -> str:
    """The `sub` claim of a JWT-shaped token (unverified), or OAuthError invalid_grant."""
    parts = token.strip().split(".")
    try:
        if len(parts) != 3:
            raise ValueError("not three parts")
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        subject = payload["sub"]
        if not isinstance(subject, str) or not subject:
            raise ValueError("no sub")
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise OAuthError(
            "invalid_grant", "The subject token is not a valid JWT with a sub claim."
        ) from None
    return subject
