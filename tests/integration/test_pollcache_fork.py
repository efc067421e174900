"""The generation counters across a fork (gunicorn forks its workers from a master that
may have loaded the site): a child maps the counter file anew and sees the other
processes' bumps, and they see its own."""

import multiprocessing
import os

import pytest

from django_netjsonconfig.polling import cache as pollcache

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")


def _child(slot, queue):
    generation = FORKED["generation"]  # the parent's object, mapped before the fork
    before = generation.current(slot)
    generation.bump(slot)
    queue.put((before, generation.current(slot), generation._forks))


FORKED = {}


def test_a_forked_child_maps_the_file_again_and_shares_the_counters(tmp_path):
    path = str(tmp_path / "generation")
    generation = pollcache.FileGeneration(path)
    generation.bump()
    slot = 7
    assert generation.current(slot) == (1, 0)
    FORKED["generation"] = generation
    forks_here = generation._forks
    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=_child, args=(slot, queue))
    process.start()
    before, after, child_forks = queue.get(timeout=30)
    process.join(30)
    assert process.exitcode == 0
    assert before == (1, 0)
    assert after == (1, 1)
    assert child_forks == forks_here + 1  # the child mapped the file itself
    assert generation.current(slot) == (1, 1)  # its bump is seen here
    assert generation._forks == forks_here  # and this process kept its mapping
