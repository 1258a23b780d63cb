# Do not edit: the template owns this file (make template-update brings its changes).
"""Which KFP credentials to send: KFP_TOKEN, KF_PIPELINES_SA_TOKEN_PATH or KFP_COOKIES."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scripts.core.errors import ConfigError

AUTH_VARIABLES = ("KFP_TOKEN", "KF_PIPELINES_SA_TOKEN_PATH", "KFP_COOKIES")


@dataclass(frozen=True)
class Auth:
    """Which credentials to send, resolved from the environment. Never holds the values in its
    repr: ``describe()`` is what messages show."""

    token: str | None = field(default=None, repr=False)
    token_path: str | None = None
    cookies: str | None = field(default=None, repr=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Auth:
        environ = os.environ if environ is None else environ
        token = environ.get("KFP_TOKEN") or None
        token_path = environ.get("KF_PIPELINES_SA_TOKEN_PATH") or None
        if token_path and not token and not Path(token_path).is_file():
            raise ConfigError(
                f"KF_PIPELINES_SA_TOKEN_PATH points to {token_path!r}, which is not a file — "
                "mount the service-account token there or unset the variable"
            )
        return cls(
            token=token,
            token_path=None if token else token_path,
            cookies=environ.get("KFP_COOKIES") or None,
        )

    def describe(self) -> str:
        if self.token:
            return "the bearer token from KFP_TOKEN"
        if self.token_path:
            return "the service-account token from KF_PIPELINES_SA_TOKEN_PATH"
        if self.cookies:
            return "the cookies from KFP_COOKIES"
        return "no credentials"
