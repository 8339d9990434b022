#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config import database

    # The site's statement timeout is for web requests (gunicorn); commands lift it.
    database.for_commands()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
