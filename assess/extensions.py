"""The shared objects, created once and bound to an app in the factory."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from assess.db import Database

db = Database()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see that page."

# Rate limits (sign-in, sign-up, mail, bursts of answers): counted in Redis when
# ``ASSESS_REDIS_URL`` is set (shared by every worker), in memory otherwise. The
# client address is the request's remote address, which ProxyFix sets from a
# configured number of trusted proxy hops (``ASSESS_TRUSTED_PROXIES``), never
# from headers by default.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
