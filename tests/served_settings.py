"""The production settings (config/settings.py), for a server a test starts in another
process: only the static files are read from where the test run collected them
(tests/conftest.py), since the production settings read them from var/."""

import os

from config.settings import *  # noqa: F403 - these settings extend the production ones

STATIC_ROOT = os.environ["TEST_STATIC_ROOT"]
