"""The one error tree of mineaction: every error the package raises on purpose.

::

    MineActionError
     +-- ConfigError (ValueError)          a setting or option is wrong
     +-- InputError (ValueError)           a file, row or field cannot be used as given
     |    +-- ValidationError              rows failed validation; carries the ValidationReport
     |    +-- MappingError                 a column mapping names a missing column or a bad value
     +-- StoreError                        the store cannot do what was asked
     |    +-- NotFoundError (LookupError)  a record id, plan or layer does not exist
     |    +-- SchemaError                  the store's schema is missing, newer or damaged
     |    +-- UnavailableError             the database cannot be reached now (retry later)
     +-- ModelError (ValueError)           a risk model is unfitted or used on wrong columns
     +-- PlanError (ValueError)            a planning problem is infeasible or contradictory
     +-- ReportError                       a section of the report could not be built; nothing written
     +-- AccessError                       who is asking may not do what is asked
          +-- NotAuthenticated             no valid credentials (HTTP 401)
          |    +-- TooManyAttempts         login locked out or throttled; carries retry_after_s (429)
          |    +-- SecondFactorRequired    the password was right; the role needs a TOTP code as well
          +-- PermissionDenied (PermissionError)  authenticated, but the rules do not allow it (403)
          +-- RateLimited                  too many writes in a minute; carries retry_after_s (429)

    MineActionWarning (UserWarning)        recoverable data problems worth a look

Messages name the value and the fix, for example "finds.csv row 17: longitude 147.2 is outside the area of
interest (44.5 to 50.9); check the lon/lat order". The command line prints the message as one line and exits
non-zero.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccessError",
    "ConfigError",
    "InputError",
    "MappingError",
    "MineActionError",
    "MineActionWarning",
    "ModelError",
    "NotAuthenticated",
    "NotFoundError",
    "PermissionDenied",
    "PlanError",
    "RateLimited",
    "ReportError",
    "SchemaError",
    "SecondFactorRequired",
    "StoreError",
    "TooManyAttempts",
    "UnavailableError",
    "ValidationError",
]


class MineActionError(Exception):
    """Root of every error mineaction raises on purpose."""


class ConfigError(MineActionError, ValueError):
    """A setting, option or scenario file is wrong."""


class InputError(MineActionError, ValueError):
    """A file, row or field cannot be used as given."""


class ValidationError(InputError):
    """Rows failed validation; ``report`` holds every issue found (file, row, field, value, reason, fix)."""

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class MappingError(InputError):
    """A column mapping names a column the file lacks, or maps to an unknown field or value."""


class StoreError(MineActionError):
    """The store cannot do what was asked."""


class NotFoundError(StoreError, LookupError):
    """A record id, plan or layer does not exist in the store."""


class SchemaError(StoreError):
    """The store's schema is missing, damaged, or newer than this version of mineaction."""


class UnavailableError(StoreError):
    """The database cannot be reached now (stopped, restarting, out of connections); nothing was changed."""


class ModelError(MineActionError, ValueError):
    """A risk model is used before fitting, or on data lacking the columns it was trained on."""


class PlanError(MineActionError, ValueError):
    """A planning problem is infeasible or contradictory."""


class ReportError(MineActionError):
    """A section of the report could not be built (the message names it); the report is not written."""


class AccessError(MineActionError):
    """Who is asking may not do what is asked (``mineaction.access`` raises these; servers map them to
    401, 403 and 429)."""


class NotAuthenticated(AccessError):
    """No valid credentials: a missing, unknown, expired or revoked token or session, a wrong password or
    second factor, a disabled account. Messages never say which part was wrong to a caller who might be
    guessing."""


class TooManyAttempts(NotAuthenticated):
    """Too many failed logins for this account or address: try again after ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class SecondFactorRequired(NotAuthenticated):
    """The password was right but the role needs a second factor: ask for the authenticator's code (or a
    recovery code) and sign in again with it."""


class PermissionDenied(AccessError, PermissionError):
    """The principal is authenticated but the access rules do not allow the action (or not on another
    organisation's records)."""


class RateLimited(AccessError):
    """Too many writes from one caller in a minute: try again after ``retry_after_s`` seconds (429)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class MineActionWarning(UserWarning):
    """A recoverable data problem worth a look (duplicate content, an implausible value kept)."""
