"""Keep each role's README variable table in step with its meta/argument_specs.yml.

The table sits between two markers in roles/<role>/README.md:

    <!-- BEGIN ROLE VARIABLES -->
    ...generated...
    <!-- END ROLE VARIABLES -->

Usage: python3 scripts/role_docs.py [--check] [role ...]
  --check   change nothing; exit 1 and name the READMEs whose table is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- BEGIN ROLE VARIABLES -->"
END = "<!-- END ROLE VARIABLES -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _type(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "str")
    if kind == "list" and "elements" in spec:
        kind = f"list of {spec['elements']}"
    if "choices" in spec:
        kind += " (" + ", ".join(f"`{c}`" for c in spec["choices"]) + ")"
    return kind


def _default(spec: dict[str, Any]) -> str:
    if spec.get("required"):
        return "required"
    if "default" not in spec:
        return "see defaults/main.yml"
    return f"`{json.dumps(spec['default'])}`"


def _description(spec: dict[str, Any]) -> str:
    description = spec.get("description", "")
    if isinstance(description, list):
        description = " ".join(description)
    options = spec.get("options")
    if options:
        keys = ", ".join(f"`{name}`" + (" (required)" if sub.get("required") else "") for name, sub in options.items())
        description += f" Keys: {keys}."
    return _cell(description)


def render_table(role: Path) -> str:
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"].get("options", {})
    rows = ["| Variable | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for name, spec in options.items():
        rows.append(f"| `{name}` | {_type(spec)} | {_cell(_default(spec))} | {_description(spec)} |")
    return "\n".join(rows)


def updated_readme(role: Path) -> tuple[str, str]:
    readme = role / "README.md"
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme}: the markers {BEGIN} and {END} are missing")
    head, rest = text.split(BEGIN, 1)
    dummy, tail = rest.split(END, 1)
    return text, f"{head}{BEGIN}\n{render_table(role)}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale READMEs, change nothing")
    parser.add_argument("roles", nargs="*", help="role names (default: every role)")
    args = parser.parse_args(argv)
    roles = [ROOT / "roles" / name for name in args.roles] or sorted(
        path.parent.parent for path in (ROOT / "roles").glob("*/meta/argument_specs.yml")
    )
    stale = []
    for role in roles:
        current, wanted = updated_readme(role)
        if current != wanted:
            stale.append(role.name)
            if not args.check:
                (role / "README.md").write_text(wanted)
    if args.check and stale:
        print(f"out of date (run make docs): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
