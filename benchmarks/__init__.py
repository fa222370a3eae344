"""Comptoir's benchmarks (`make bench`): figures printed and written to bench-results/."""
