"""Put a section into a Markdown file between <!-- BEGIN NAME --> and <!-- END NAME -->.

    python3 scripts/doc_section.py NAME FILE < section

The section read from standard input carries its own markers. It replaces the one in FILE,
or is appended when FILE has none yet. The benchmark scripts write their parts of
docs/benchmarks.md this way.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def put_section(text: str, name: str, section: str) -> str:
    pattern = re.compile(rf"<!-- BEGIN {re.escape(name)} -->.*<!-- END {re.escape(name)} -->", re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: section.strip("\n"), text)
    return text.rstrip("\n") + "\n\n" + section.strip("\n") + "\n"


def main() -> None:
    name, path = sys.argv[1], Path(sys.argv[2])
    text = path.read_text() if path.exists() else ""
    path.write_text(put_section(text, name, sys.stdin.read()))


if __name__ == "__main__":
    main()
