"""Field descriptions of the scenario sections are read from their sources only when asked for."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from gigacampus.scenario import base
from gigacampus.scenario.document import Scenario
from gigacampus.scenario.reference import json_schema

ROOT = Path(__file__).resolve().parent.parent


def test_loading_and_validating_a_scenario_reads_no_source():
    code = textwrap.dedent(
        f"""
        from gigacampus.scenario import base
        from gigacampus.scenario.load import load_scenario
        load_scenario({str(ROOT / "scenarios" / "stargate-uae.toml")!r})
        assert base._module_docstrings.cache_info().currsize == 0, base._module_docstrings.cache_info()
        assert base._described == 0
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_every_attribute_docstring_becomes_the_description():
    base.describe_sections()
    checked = 0
    for cls in base._SECTIONS:
        if "." in cls.__qualname__:
            continue
        docs = base._module_docstrings(sys.modules[cls.__module__].__file__).get(cls.__name__, {})
        for attr in docs:
            info = cls.model_fields.get(attr)
            if info is not None:
                assert info.description  # its docstring, or the description it was given
                checked += 1
    assert checked > 100
    # a subclass sees the description of a field it inherits
    for cls in base._SECTIONS:
        for parent in cls.__mro__[1:]:
            if parent in base._SECTIONS:
                for attr, info in parent.model_fields.items():
                    if attr in cls.model_fields and attr not in cls.__dict__.get("__annotations__", {}):
                        assert cls.model_fields[attr].description == info.description


def test_schema_carries_descriptions_and_describing_twice_changes_nothing():
    first = json_schema()
    base.describe_sections()
    assert json_schema() == first
    props = first["properties"]
    assert any("description" in p for p in props.values())
    assert Scenario.model_fields["site"].description or "site" not in Scenario.model_fields
