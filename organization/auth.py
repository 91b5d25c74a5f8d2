"""Login lock-out: repeated failed logins lock a username, and a client address, for a while.

The counters live in Django's cache (Redis in production) so that every web worker sees the same
numbers. Each attempt is counted (atomically: Redis' incr) before its password is checked, so attempts
sent at once cannot all be checked against the same count; a failed check keeps its count, a success gives
it back. Each attempt stores its time; the stored time, not the cache expiry, decides whether a lock is
still on, so the "minutes left" in the message is exact and tests can move the clock.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

logger = logging.getLogger("misura.security")

#: Seconds since the epoch; tests replace it to jump past the lock-out window without sleeping.
clock: Callable[[], float] = time.time

_KEY_PREFIX = "misura:login-failures"
# Keys outlive the window by a minute so that they are still there when the stored time says the
# window is over; after that the cache drops them by itself.
_EXPIRY_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class FailureCounter:
    """Failed logins of one subject (a username or a client address) within the lock-out window."""

    kind: str
    subject: str
    limit: int

    @property
    def _base_key(self) -> str:
        # Hashed so that any username (spaces, unicode, 150 characters) makes a valid, short cache key
        # and no plain username or address sits in the cache.
        digest = hashlib.sha256(self.subject.encode()).hexdigest()
        return f"{_KEY_PREFIX}:{self.kind}:{digest}"

    @property
    def count_key(self) -> str:
        return f"{self._base_key}:count"

    @property
    def last_key(self) -> str:
        return f"{self._base_key}:last"

    def seconds_left(self, window: float, now: float) -> float:
        """Seconds until the lock ends; 0 when the subject is not locked."""
        values = cache.get_many([self.count_key, self.last_key])
        count, last = values.get(self.count_key, 0), values.get(self.last_key)
        if count < self.limit or last is None:
            return 0.0
        return max(0.0, last + window - now)

    def take_attempt(self, window: float, now: float) -> int:
        """Counts this attempt BEFORE its password is checked and returns its place in the series.

        Attempts sent at once each get their own number from Redis' atomic incr, so at most `limit` of
        them are checked; the rest are refused with the lock-out message (issue 15: 15 simultaneous
        wrong passwords were all checked against a limit of 5 when the count came after the check)."""
        timeout = int(window) + _EXPIRY_MARGIN_SECONDS
        last = cache.get(self.last_key)
        if last is not None and now - last >= window and cache.add(f"{self.last_key}:reset:{last}", 1, timeout):
            # The previous series is over: a failure long ago must not count towards a new lock. One
            # attempt (the one that wins this add) resets it, so simultaneous ones do not undo each
            # other's counts.
            cache.set(self.count_key, 0, timeout)
        cache.add(self.count_key, 0, timeout)
        try:
            count = cache.incr(self.count_key)
        except ValueError:  # expired between add and incr
            cache.add(self.count_key, 0, timeout)
            count = cache.incr(self.count_key)
        # The lock lasts from the latest attempt; the keys outlive it by the margin.
        cache.set(self.last_key, now, timeout)
        cache.touch(self.count_key, timeout)
        return count

    def give_back(self) -> None:
        """The attempt was no failure (right password): its place in the count is returned."""
        try:
            cache.decr(self.count_key)
        except ValueError:  # the series expired meanwhile: nothing to give back
            pass

    def clear(self) -> None:
        cache.delete_many([self.count_key, self.last_key])


def client_ip(request: HttpRequest | None) -> str:
    """The address the request came from, or "" when unknown.

    Behind a reverse proxy REMOTE_ADDR is the proxy for everybody, so with
    LOGIN_TRUST_X_FORWARDED_FOR the last X-Forwarded-For entry (the one the proxy appended) is used;
    earlier entries are written by the client and could be forged.
    """
    if request is None:
        return ""
    if settings.LOGIN_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last_hop = forwarded.rsplit(",", 1)[-1].strip()
        if last_hop:
            return last_hop
    return request.META.get("REMOTE_ADDR", "")


def username_key(username: str) -> str:
    """Counter subject for a username: case-insensitive, so "Mario" and "mario" share one count."""
    return username.casefold()


class LoginLockoutMixin:
    """Refuses logins, without checking the password, for a username or address that failed too often.

    Only wrong credentials count as failures: a non-staff account at the admin login gave the right
    password and is refused for another reason. (Django's backend reports an inactive account as
    wrong credentials, so those attempts do count; the account cannot log in anyway.)
    """

    request: HttpRequest | None
    cleaned_data: dict
    user_cache: object

    def _counters(self, username: str) -> list[FailureCounter]:
        counters = [FailureCounter("user", username_key(username), settings.LOGIN_FAILURE_LIMIT)]
        ip = client_ip(self.request)
        if ip:
            counters.append(FailureCounter("ip", ip, settings.LOGIN_IP_FAILURE_LIMIT))
        return counters

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # type: ignore[misc]  # missing fields: nothing is checked

        window = settings.LOGIN_LOCKOUT_MINUTES * 60
        now = clock()
        counters = self._counters(username)
        seconds_left = max(counter.seconds_left(window, now) for counter in counters)
        if seconds_left > 0:
            raise self._locked_out(username, seconds_left)
        # Counted before the check, atomically: of attempts sent at once only `limit` reach the password.
        places = [counter.take_attempt(window, now) for counter in counters]
        if any(place > counter.limit for place, counter in zip(places, counters)):
            raise self._locked_out(username, window)

        try:
            cleaned = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            if self.user_cache is None:  # wrong username or password: the attempt stays counted
                self._log_lock(username, counters, places)
            else:  # the right password, refused for another reason (not staff): no failure
                for counter in counters:
                    counter.give_back()
            raise
        # The owner got in: their earlier typos must not help an attacker reach the limit. The
        # address counter only gives this attempt back, or one valid account would let an address
        # reset it at will.
        counters[0].clear()
        for counter in counters[1:]:
            counter.give_back()
        return cleaned

    def _locked_out(self, username: str, seconds_left: float) -> forms.ValidationError:
        minutes = max(1, math.ceil(seconds_left / 60))
        logger.warning("Login refused while locked out: username=%r ip=%r minutes_left=%d",
                       username, client_ip(self.request), minutes)
        return forms.ValidationError(
            ngettext(
                "Troppi tentativi di accesso non riusciti. Riprovare tra %(minutes)d minuto.",
                "Troppi tentativi di accesso non riusciti. Riprovare tra %(minutes)d minuti.",
                minutes,
            ),
            code="locked_out",
            params={"minutes": minutes},
        )

    def _log_lock(self, username: str, counters: list[FailureCounter], places: list[int]) -> None:
        for counter, count in zip(counters, places):
            if count == counter.limit:
                logger.warning("Login locked out after %d failures: by=%s username=%r ip=%r minutes=%d",
                               count, counter.kind, username, client_ip(self.request),
                               settings.LOGIN_LOCKOUT_MINUTES)


class LockoutAuthenticationForm(LoginLockoutMixin, AuthenticationForm):
    """The login form of /accesso/."""


class LockoutAdminAuthenticationForm(LoginLockoutMixin, AdminAuthenticationForm):
    """The admin's own login page, which would otherwise be a way round the lock-out."""
