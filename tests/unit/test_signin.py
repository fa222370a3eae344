"""The console's sign-in backoff: per user name and per address, doubling, forgiving."""

from __future__ import annotations

from comptoir.desk.signin import FORGET_AFTER_S, SignInThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def attempt(throttle: SignInThrottle, user: str, address: str, *, success: bool) -> float:
    """One sign-in: the wait it got (0 when it was checked), and its outcome recorded."""
    keys = throttle.keys(user, address)
    wait = throttle.begin(keys)
    if wait == 0:
        throttle.end(keys, success=success)
    return wait


def test_the_fourth_failure_waits_and_the_wait_doubles():
    clock = Clock()
    throttle = SignInThrottle(3, first_delay_s=2, max_delay_s=60, clock=clock)
    for n in range(3):
        assert attempt(throttle, "camille", f"10.0.0.{n}", success=False) == 0
    assert attempt(throttle, "Camille ", "10.0.1.1", success=True) == 2, "same name, any case"
    clock.now += 2
    assert attempt(throttle, "camille", "10.0.1.2", success=False) == 0
    assert attempt(throttle, "camille", "10.0.1.3", success=False) == 4
    clock.now += 4
    attempt(throttle, "camille", "10.0.1.4", success=False)
    for _ in range(10):
        clock.now += 60
        attempt(throttle, "camille", "10.0.1.5", success=False)
    assert attempt(throttle, "camille", "10.0.1.6", success=True) == 60, "capped"
    clock.now += 60
    assert attempt(throttle, "camille", "10.0.1.7", success=True) == 0
    assert attempt(throttle, "camille", "10.0.1.8", success=False) == 0, "a success resets"


def test_one_address_guessing_many_names_waits_and_a_success_does_not_reset_it():
    clock = Clock()
    throttle = SignInThrottle(3, clock=clock)
    for n in range(3):
        attempt(throttle, f"user{n}", "10.9.9.9", success=False)
    assert attempt(throttle, "own-account", "10.9.9.9", success=True) == 2
    clock.now += 2
    assert attempt(throttle, "own-account", "10.9.9.9", success=True) == 0
    assert attempt(throttle, "user9", "10.9.9.9", success=False) == 0
    assert attempt(throttle, "user10", "10.9.9.9", success=False) > 0, "still counted"
    assert attempt(throttle, "user10", "10.8.8.8", success=False) == 0, "other addresses"


def test_a_burst_sent_at_once_gets_no_more_guesses():
    throttle = SignInThrottle(3, clock=Clock())
    keys = [throttle.keys("camille", f"10.0.0.{n}") for n in range(5)]
    admitted = [throttle.begin(k) == 0 for k in keys]
    assert admitted == [True, True, True, False, False]


def test_old_failures_are_forgiven():
    clock = Clock()
    throttle = SignInThrottle(3, clock=clock)
    for n in range(2):
        attempt(throttle, "camille", f"10.0.0.{n}", success=False)
    clock.now += FORGET_AFTER_S + 1
    for n in range(2):
        assert attempt(throttle, "camille", f"10.0.1.{n}", success=False) == 0
    assert attempt(throttle, "camille", "10.0.2.1", success=False) == 0, "2 + 1 failures"


def test_at_the_longest_wait_a_guess_right_after_it_is_not_forgiven():
    clock = Clock()
    throttle = SignInThrottle(3, first_delay_s=2, max_delay_s=900, clock=clock)
    for n in range(3):
        attempt(throttle, "camille", f"10.0.2.{n}", success=False)
    for n in range(20):
        clock.now += 900
        assert attempt(throttle, "camille", f"10.0.3.{n}", success=False) == 0
    clock.now += 900  # the wait ends: one more guess, and the wait is the longest again
    assert attempt(throttle, "camille", "10.0.4.1", success=False) == 0
    assert attempt(throttle, "camille", "10.0.4.2", success=True) == 900
