"""scripts/doc_section.py: a benchmark's section replaces its earlier self, others stay."""

from __future__ import annotations

from conftest import load_script

doc_section = load_script("doc_section")

OLD = "# Benchmarks\n\n<!-- BEGIN DVC -->\nold dvc\n<!-- END DVC -->\n\n<!-- BEGIN FLEET -->\nold\n<!-- END FLEET -->\n"


def test_a_section_replaces_its_earlier_self_only():
    new = doc_section.put_section(OLD, "FLEET", "<!-- BEGIN FLEET -->\nnew $1 \\1\n<!-- END FLEET -->\n")
    assert new == OLD.replace("old\n", "new $1 \\1\n")
    assert "old dvc" in new


def test_a_new_section_is_appended():
    new = doc_section.put_section("# Benchmarks\n", "DVC", "<!-- BEGIN DVC -->\nx\n<!-- END DVC -->")
    assert new == "# Benchmarks\n\n<!-- BEGIN DVC -->\nx\n<!-- END DVC -->\n"
