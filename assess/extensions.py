"""The shared objects, created once and bound to an app in the factory."""

from typing import Any

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from markupsafe import Markup
from wtforms import Field
from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets import HiddenInput

from assess.db import Database

db = Database()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see that page."


class _CSRFTokenInput(HiddenInput):
    """The CSRF token's hidden input, without an ``id``: a page carries one per form,
    so the default id (``csrf_token``) repeated, and no label or script refers to it."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", False)  # False leaves the attribute out
        return super().__call__(field, **kwargs)


# Every form's CSRF field (Flask-WTF builds it from this class).
CSRFTokenField.widget = _CSRFTokenInput()  # type: ignore[misc]

# Rate limits (sign-in, sign-up, mail, bursts of answers): counted in Redis when
# ``ASSESS_REDIS_URL`` is set (shared by every worker), in memory otherwise. The
# client address is the request's remote address, which ProxyFix sets from a
# configured number of trusted proxy hops (``ASSESS_TRUSTED_PROXIES``), never
# from headers by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
