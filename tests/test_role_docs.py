"""Each role's README documents exactly the variables of its argument specs."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import load_script

ROOT = Path(__file__).resolve().parent.parent
ROLES = sorted(p.parent.parent for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))

role_docs = load_script("role_docs")


def test_every_role_has_argument_specs_and_a_readme():
    role_dirs = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
    assert role_dirs == ROLES
    for role in ROLES:
        assert (role / "README.md").exists()


def test_readme_tables_match_argument_specs():
    assert role_docs.main(["--check"]) == 0


def test_defaults_and_argument_specs_name_the_same_variables():
    for role in ROLES:
        defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
        specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
        # Every entry point's options (dvc has `migrate` besides `main`), but the required ones,
        # which are given per run and have no default.
        documented = {
            name
            for entry in specs["argument_specs"].values()
            for name, option in entry.get("options", {}).items()
            if not option.get("required")
        }
        assert set(defaults) == documented, role.name
        assert all(name.startswith(role.name + "_") for name in documented), role.name


def test_argument_spec_defaults_match_defaults_file():
    for role in ROLES:
        defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
        entries = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for entry in entries.values():
            for name, option in entry.get("options", {}).items():
                if "default" in option:
                    assert option["default"] == defaults[name], f"{role.name}: {name}"
