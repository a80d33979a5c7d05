"""The shared objects, created once and bound to an app in the factory."""

from flask_login import LoginManager
from flask_wtf import CSRFProtect

from assess.db import Database

db = Database()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see that page."
