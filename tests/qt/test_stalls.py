"""The stall meter of the stall tests and ``benchmarks/run.py responsiveness`` sees a blocked GUI thread."""

import time

from tests.qt.stalls import watch_event_loop


def test_work_done_on_the_gui_thread_shows_as_a_stall_of_at_least_its_length(qtbot):
    stalls = watch_event_loop(lambda: time.sleep(0.3), lambda: True, 10)
    assert stalls.finished and stalls.ticks >= 1
    assert stalls.longest_ms >= 300.0  # a lower bound: the sleep itself


def test_a_watch_ends_at_its_timeout_when_the_work_never_finishes(qtbot):
    stalls = watch_event_loop(lambda: None, lambda: False, 0.2)
    assert not stalls.finished and stalls.ticks >= 1 and stalls.seconds >= 0.19
