"""The session engine: Django's database sessions, refusing keys Django never issues."""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    """A quoted cookie can spell a NUL byte in plain ASCII, and PostgreSQL refuses a
    query holding one: a key with any character Django does not put in keys is treated as
    no session at all, before it reaches the database."""

    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and set(key) <= set(VALID_KEY_CHARS)
