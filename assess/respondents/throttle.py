"""Bursts of submissions through an open link, throttled per source.

An open link can be answered again and again from fresh cookie jars: one script
sent ten responses in six seconds. A person answers a questionnaire in minutes,
and even a whole office behind one address submits a few a minute, so more than
``OPEN_LINK_SUBMISSIONS_PER_MINUTE`` (20) final submissions in a minute from one
source through one link is a burst, and the ones beyond it are refused for the
rest of that minute. The respondent loses nothing: the page's answers are saved
first, the response stays in progress, and the page says to try again in a
minute (:func:`assess.respondents.views.page`). Personal links need no throttle:
each submits once.

The count is kept in the rate limiter's storage (Redis when ``ASSESS_REDIS_URL``
is set, so shared by every worker; memory otherwise), under a keyed hash of the
link and the source address, never the address itself: the hash's key is
derived from the secret key and the day (UTC), so a stored key cannot be
matched to an address by hashing candidates without the secret key, and
yesterday's keys match nothing today. The source is the request's remote
address, which ProxyFix sets from ``ASSESS_TRUSTED_PROXIES`` hops.

How many submissions were throttled is counted on the link (``links.throttled``)
for the consultant's links panel: a number, nothing about who.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from flask import current_app
from limits import RateLimitItemPerMinute
from sqlalchemy import update

from assess.extensions import db, limiter
from assess.respondents.links import LinkRow
from assess.respondents.models import Link

_log = logging.getLogger(__name__)

#: The limiter's namespace for these counts.
SCOPE = "open-link-submissions"


def _now() -> float:
    """The clock the day's key is read from (tests move it with the limiter's)."""
    return time.time()


def source_key(link: Link | LinkRow, address: str, secret_key: str, at: float | None = None) -> str:
    """The limiter's key for submissions from ``address`` through ``link``: an HMAC
    under a key of the day, so the address is never stored and the key changes daily."""
    day = int((_now() if at is None else at) // 86_400)
    day_key = hmac.new(
        secret_key.encode(), f"{SCOPE}/{day}".encode(), hashlib.sha256
    ).digest()
    return hmac.new(day_key, f"{link.id}/{address}".encode(), hashlib.sha256).hexdigest()[:32]


def _limit() -> RateLimitItemPerMinute:
    return RateLimitItemPerMinute(int(current_app.config["OPEN_LINK_SUBMISSIONS_PER_MINUTE"]))


def submission_allowed(link: Link | LinkRow, address: str) -> bool:
    """Count one submission from ``address`` through the open ``link``; False when
    it is beyond this minute's limit for that source (always True with rate
    limits switched off)."""
    if not limiter.enabled:
        return True
    key = source_key(link, address, str(current_app.config["SECRET_KEY"]))
    try:
        return limiter.limiter.hit(_limit(), SCOPE, key)
    except Exception:  # noqa: BLE001 - any failure of the limiter's storage (Redis down)
        # A respondent's answers matter more than a throttle: let this one through.
        _log.warning("open-link throttle: the rate limiter's storage failed; not throttled")
        return True


def seconds_to_wait(link: Link | LinkRow, address: str) -> int:
    """Until this source may submit through ``link`` again (at least 1)."""
    if not limiter.enabled:
        return 1
    key = source_key(link, address, str(current_app.config["SECRET_KEY"]))
    try:
        reset_at, _remaining = limiter.limiter.get_window_stats(_limit(), SCOPE, key)
    except Exception:  # noqa: BLE001 - as in submission_allowed
        return 60
    return max(1, math.ceil(reset_at - _now()))


def record_throttled(link: Link | LinkRow) -> None:
    """One more throttled submission on the link, counted by the database
    (``throttled + 1``), so concurrent requests each add theirs."""
    db.session.execute(
        update(Link)
        .where(Link.id == link.id)
        .values(throttled=Link.throttled + 1)
        .execution_options(synchronize_session=False)
    )
