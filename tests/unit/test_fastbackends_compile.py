"""The compiled validators' code is compiled in a child interpreter (memory), with
the same result as compiling it in the process."""

import sys

import pytest
from netjsonconfig import OpenWrt

from django_netjsonconfig.rendering import compiled_validator as fastbackends

SOURCE = "def double(items):\n    return [2 * item for item in items]\nLIMIT = 10 ** 3\n"


def run(code):
    namespace = {}
    exec(code, namespace)  # noqa: S102  (our own test source)
    return namespace["double"]([1, 2]), namespace["LIMIT"]


def test_child_compiles_the_same_code():
    code = fastbackends.code_object(SOURCE, "<test source>")
    reference = compile(SOURCE, "<test source>", "exec")
    assert code.co_filename == "<test source>"
    assert code.co_code == reference.co_code
    assert run(code) == run(reference) == ([2, 4], 1000)


def test_without_a_python_interpreter_it_compiles_in_process(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")
    assert run(fastbackends.code_object(SOURCE, "<x>")) == ([2, 4], 1000)


def test_invalid_source_raises_a_syntax_error():
    with pytest.raises(SyntaxError):
        fastbackends.code_object("def broken(:\n", "<broken>")


def test_child_compiled_validator_accepts_and_refuses_like_the_reference():
    validator = fastbackends._compile(OpenWrt.schema)
    assert validator is not None
    good = {
        "general": {"hostname": "r1"},
        "interfaces": [{"name": "eth0", "type": "ethernet"}],
    }
    validator(good)
    OpenWrt(good).validate()
    bad = {"interfaces": [{"name": 5, "type": "ethernet"}]}
    with pytest.raises(Exception):  # noqa: B017, PT011  (fastjsonschema's own error)
        validator(bad)
