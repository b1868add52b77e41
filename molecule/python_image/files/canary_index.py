"""A package index with nothing in it: every page is a 404, so pip moves on to PyPI.

It writes one line per request: whether the request carried the expected credentials, and the
path. The credentials are compared by SHA-256 (given as the only argument), so the token is
never written down: the log proves that pip used the index settings handed to the build as a
secret, and the verify step proves they stayed out of the image.
"""

from __future__ import annotations

import hashlib
import http.server
import sys

EXPECTED = sys.argv[1]
LOG = "/var/log/canary-index.log"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        seen = "authorized" if hashlib.sha256(auth.encode()).hexdigest() == EXPECTED else "anonymous"
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(f"{seen} {self.path}\n")
        self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", 8099), Handler).serve_forever()
