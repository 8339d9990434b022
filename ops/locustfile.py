"""The users of `make loadtest` (ops/management/commands/loadtest.py runs Locust on this).

`Reader`: an anonymous reader or crawler asking for the plan's pages in turn, with no
pause. `Editor`: an editor in the admin, saving an instrument's summary with a new mark,
over and over, and checking that readers see each save at once. A socket error, a 5xx, a
page answering another status than it should, a failed save or a save readers do not see
is a Locust failure.

The plan is the JSON file LOADTEST_PLAN names (var/loadtest/plan.json by default, which
the command writes): {"pages": [{"label", "path", "bad_input"}], "editor": {"username",
"login", "index", "change", "changelist", "public"}}; the editor's password is in
LOADTEST_EDITOR_PASSWORD. Every request says `X-Forwarded-Proto: https`, as the TLS proxy
in front of the site would.
"""

import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from itertools import cycle
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import lxml.html
from locust import FastHttpUser, constant, task
from locust.contrib.fasthttp import FastHttpSession, LocustBadStatusCode
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ.get("LOADTEST_PLAN", "var/loadtest/plan.json")).read_text())
PROXY = {"X-Forwarded-Proto": "https"}
# gunicorn replaces a worker stuck for 30 s (config/gunicorn.py): wait a little longer,
# so that a slow answer is measured rather than counted as a socket error.
TIMEOUT = 35.0
# What the editor appends to the summary; the command strips it again at the end
# (MARK_PATTERN in ops/management/commands/loadtest.py).
MARK = re.compile(r"\s*\[prueba de carga \d+\]$")
# The summary's Spanish, as the admin's form names it (django-modeltranslation gives each
# language a field of its own: summary_es_mx, summary_en).
SUMMARY = "summary_es_mx"


def check(response, expected):
    """Whether `response` (caught) has one of the `expected` statuses; a failure if not."""
    error = response.request_meta["exception"]  # a bad status, or the connection's error
    status = response.status_code
    if error and not isinstance(error, LocustBadStatusCode):
        response.failure(f"socket error ({type(error).__name__})")
    elif status not in expected:
        response.failure(f"5xx ({status})" if status >= 500 else f"answered {status}")
    else:
        response.success()
        return True
    return False


class Reader(FastHttpUser):
    wait_time = constant(0)
    default_headers = PROXY
    network_timeout = connection_timeout = TIMEOUT

    def on_start(self):
        # Readers start at different places in the list, so that they do not ask in step.
        start = random.randrange(len(PLAN["pages"]))
        self.pages = cycle(PLAN["pages"][start:] + PLAN["pages"][:start])

    @task
    def read(self):
        page = next(self.pages)
        # Bad input (unknown filter values, pages out of range, unknown records) may be 4xx.
        expected = {200, *range(400, 500)} if page["bad_input"] else {200}
        with self.client.get(
            page["path"], name=page["label"], allow_redirects=False, catch_response=True
        ) as response:
            check(response, expected)


class BehindTheProxy(DefaultCookiePolicy):
    """The site's cookies are Secure, for the https the proxy speaks to browsers; Locust
    speaks http on loopback, as the proxy would, so it must send them back over http."""

    def return_ok_secure(self, cookie, request):
        return True


class Editor(FastHttpUser):
    fixed_count = 1
    wait_time = constant(0)
    default_headers = PROXY
    network_timeout = connection_timeout = TIMEOUT
    urls = PLAN["editor"]

    def on_start(self):
        self.saves = 0
        self.client.cookiejar.set_policy(BehindTheProxy())
        # Django's CSRF check on https wants the request's origin to be the site's.
        self.origin = "https://" + urlsplit(self.host).netloc
        # Without the editor's cookies: served by the page cache, as the readers are.
        self.reader = FastHttpSession(
            self.host,
            self.environment.events.request,
            self,
            headers=PROXY,
            network_timeout=TIMEOUT,
            connection_timeout=TIMEOUT,
        )
        form = self.form(self.urls["login"], "login-form", "editor: login form")
        if form is None:
            raise StopUser()
        password = os.environ["LOADTEST_EDITOR_PASSWORD"]
        form = dict(form, username=self.urls["username"], password=password)
        if not self.post(self.urls["login"], [*form.items()], "editor: log in", self.urls["index"]):
            raise StopUser()

    @task
    def save(self):
        """One save, as an editor makes it; its POST is timed as "editor: save"."""
        self.saves += 1
        mark = f"[prueba de carga {self.saves}]"
        form = self.form(self.urls["change"], "instrument_form", "editor: change form", SUMMARY)
        if form is None:
            return self.pause()
        summary = MARK.sub("", dict(form)[SUMMARY]) + " " + mark
        form = [(name, summary if name == SUMMARY else value) for name, value in form]
        form.append(("_save", "Guardar"))
        if not self.post(self.urls["change"], form, "editor: save", self.urls["changelist"]):
            return self.pause()
        # A browser follows the redirect, which also clears the "saved" message.
        with self.client.get(
            self.urls["changelist"], name="editor: changelist", catch_response=True
        ) as listed:
            check(listed, {200})
        with self.reader.get(
            self.urls["public"], name="editor: public page", catch_response=True
        ) as page:
            if check(page, {200}) and mark not in page.text:
                page.failure("the public page does not show the saved summary")

    def form(self, path, form_id, name, field=None):
        """The name/value pairs a browser would send from the form `form_id` unchanged:
        checked boxes only, selected options, textareas as typed, the CSRF token; no
        inline row templates (`__prefix__`), which the admin's JavaScript leaves out.
        None, after a failure, if the page has no such form, or no single `field`."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if not check(response, {200}):
                return None
            forms = lxml.html.fromstring(response.text).xpath(f"//form[@id='{form_id}']")
            if not forms:
                response.failure(f"no form #{form_id} on the page")
                return None
            # As a browser sends them: lxml leaves out inputs with no value, and keeps the
            # newline just after <textarea>.
            for element in forms[0].xpath(".//input[not(@value)]"):
                element.set("value", "")
            for textarea in forms[0].iter("textarea"):
                textarea.value = textarea.value.removeprefix("\n")
            pairs = [
                (key, value) for key, value in forms[0].form_values() if "__prefix__" not in key
            ]
            if field and [key for key, _ in pairs].count(field) != 1:
                response.failure(f"the form has no single {field} field")
                return None
            return pairs

    def post(self, path, form, name, redirect):
        """Send `form` to `path`, as a browser would; True if it redirects to `redirect`
        (how the admin says it took the form), a failure otherwise."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + path,
        }
        with self.client.post(
            path,
            data=urlencode(form),
            headers=headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if not check(response, {200, 302}):
                return False
            location = urlsplit(response.headers.get("Location") or "").path
            if response.status_code != 302:
                response.failure(f"answered {response.status_code}: {errors(response.text)}")
            elif location != redirect:
                response.failure(f"redirected to {location}, not {redirect}")
            return response.status_code == 302 and location == redirect

    def pause(self):
        # A server that fails fast must not turn the editor into a busy loop.
        time.sleep(0.5)


def errors(page):
    """The error messages an admin page shows, as one line."""
    document = lxml.html.fromstring(page)
    found = document.find_class("errornote") + document.find_class("errorlist")
    text = " ".join(" ".join(element.text_content() for element in found).split())
    return text[:300] or "no error shown"
