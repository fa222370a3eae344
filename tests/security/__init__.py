"""Attacks on a default install, each driven against the real servers."""
