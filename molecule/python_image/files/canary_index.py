"""A package index with nothing in it: every page is a 404, so pip moves on to PyPI. It is
also the HTTP proxy the build is given for it (requests then name the full URL).

It writes one line per request: whether the request carried the expected index credentials,
whether it came through the proxy with the expected proxy credentials, and the URL. The
credentials are compared by SHA-256 (the two arguments), so no secret is ever written down:
the log proves that pip used the index settings and the proxy handed to the build, and the
verify step proves they stayed out of the image.
"""

from __future__ import annotations

import hashlib
import http.server
import sys

EXPECTED_INDEX, EXPECTED_PROXY = sys.argv[1:3]
LOG = "/var/log/canary-index.log"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        index = "authorized" if self.matches("Authorization", EXPECTED_INDEX) else "anonymous"
        if not self.path.startswith("http://"):
            proxy = "direct"
        elif self.matches("Proxy-Authorization", EXPECTED_PROXY):
            proxy = "proxy-authorized"
        else:
            proxy = "proxy-anonymous"
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(f"{index} {proxy} {self.path}\n")
        self.send_error(404)

    def matches(self, header: str, expected: str) -> bool:
        return hashlib.sha256(self.headers.get(header, "").encode()).hexdigest() == expected

    def log_message(self, format: str, *args: object) -> None:
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", 8099), Handler).serve_forever()
