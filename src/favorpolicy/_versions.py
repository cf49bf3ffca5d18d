"""Versions of a policy: each in force from its ``effective_from`` day until the next.

A business changes its policy; a ticket is decided under the version that was
in force on its day (its ``occurred_at``, in UTC), or on a day the caller
passes, so a backtest over last year decides each ticket as it would have been
decided then, and a claim reopened later keeps its day's terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TypeAlias

import attrs

from ._canon import digest, utc
from ._policy import Policy
from ._policy_parts import invalid
from ._show import show
from .exceptions import InvalidPolicy

__all__ = ["AnyPolicy", "PolicyVersions", "in_force"]


def _versions(value: object) -> tuple[Policy, ...]:
    if isinstance(value, Policy) or not isinstance(value, Iterable):
        raise invalid("versions", value, "is not a sequence of Policy versions")
    versions = tuple(value)
    for index, version in enumerate(versions):
        if not isinstance(version, Policy):
            raise invalid(f"versions[{index}]", version, "is not a Policy")
        if version.effective_from is None:
            raise invalid(
                f"versions[{index}].effective_from",
                None,
                "is missing; every version names the day it comes into force",
            )
    return tuple(sorted(versions, key=lambda version: version.effective_from or date.min))


@attrs.frozen(hash=False)
class PolicyVersions:
    """A policy's versions, each in force from its ``effective_from`` until the next one's.

    Pass it wherever a :class:`Policy` goes (``resolve``, ``decide``, the
    ledger, a backtest): each ticket is decided under the version in force on
    its ``occurred_at`` day (UTC), or on the ``as_of`` day given. The versions
    share one currency and one name; their days are unique.
    """

    versions: tuple[Policy, ...] = attrs.field(converter=_versions)
    #: The fingerprint of every version together.
    fingerprint: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.versions:
            raise invalid("versions", [], "is empty; give at least one version")
        first = self.versions[0]
        days: set[date] = set()
        for index, version in enumerate(self.versions):
            path = f"versions[{index}]"
            if version.currency != first.currency:
                raise invalid(
                    f"{path}.currency", version.currency, f"is not {first.currency!r}, as the first"
                )
            if version.name != first.name:
                raise invalid(f"{path}.name", version.name, f"is not {first.name!r}, as the first")
            assert version.effective_from is not None  # the converter checked it
            if version.effective_from in days:
                raise invalid(
                    f"{path}.effective_from",
                    version.effective_from.isoformat(),
                    "is the day of another version too",
                )
            days.add(version.effective_from)
        object.__setattr__(
            self, "fingerprint", digest([version.fingerprint for version in self.versions])
        )

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    @property
    def name(self) -> str:
        """The policy's name, which every version shares."""
        return self.versions[0].name

    @property
    def currency(self) -> str:
        """The currency every version is in."""
        return self.versions[0].currency

    @property
    def tiers(self) -> tuple[str, ...]:
        """The latest version's tiers."""
        return self.versions[-1].tiers

    def in_force(self, on: date | datetime | None = None) -> Policy:
        """The version in force on the day *on* (a datetime counts by its UTC day).

        None means today. A day before the first version raises
        :class:`~favorpolicy.exceptions.InvalidPolicy`.
        """
        if on is None:
            day = date.today()  # noqa: DTZ011  # as tenure counts an undated issue: today
        elif isinstance(on, datetime):
            day = utc(on).date()
        elif isinstance(on, date):
            day = on
        else:
            raise InvalidPolicy(f"as_of: {show(on)} is not a date or a datetime")
        chosen = None
        for version in self.versions:
            assert version.effective_from is not None  # checked when built
            if version.effective_from > day:
                break
            chosen = version
        if chosen is None:
            first = self.versions[0].effective_from
            raise InvalidPolicy(
                f"as_of: no version of policy {self.name!r} is in force on {day.isoformat()}; "
                f"the first comes into force on {first.isoformat() if first else '?'}"
            )
        return chosen


#: What resolve() and its kin take: one policy, or its versions.
AnyPolicy: TypeAlias = Policy | PolicyVersions


def in_force(
    policy: AnyPolicy, occurred_at: datetime | None, as_of: date | datetime | None = None
) -> Policy:
    """*policy* itself, or the version of it in force on *as_of* or else on *occurred_at*."""
    if type(policy) is Policy or not isinstance(policy, PolicyVersions):
        return policy
    return policy.in_force(as_of if as_of is not None else occurred_at)
