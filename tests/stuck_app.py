"""A WSGI application for tests/test_serving.py: `/stuck` never answers, anything else
answers with the process id of the worker that served it."""

import os
import time


def application(environ, start_response):
    if environ["PATH_INFO"] == "/stuck":
        time.sleep(3600)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
