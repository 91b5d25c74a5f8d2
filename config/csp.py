"""The Content-Security-Policy header on every response (Django 5.2 has no built-in CSP).

Only this site's own files run or style the pages: no inline script or style, no event-handler attribute,
no external host (the front-end, fonts and Swagger UI are vendored under static/). A script injected
through a stored value cannot run, and no page can be framed. img-src and font-src allow data: for the small
images and fonts Bootstrap Italia and Swagger UI embed in their CSS. A view that needs another policy sets its own header
(left as it is here).
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
