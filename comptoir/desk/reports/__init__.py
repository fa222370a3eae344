"""The owner's reports: how much the bot resolves, where it fails, how fast people answer.

``definitions`` says what each figure means, as pure functions on plain records (the
unit tests build conversations by hand); ``tables``, ``rollup`` and ``vote_counts`` keep
those facts per conversation and per ticket, and their counts per hour and per day,
brought up to date incrementally; ``period`` reads the days asked for; ``queries`` sums
the facts for those days and the previous ones; ``sources`` adds what lives outside the
desk's tables (the knowledge misses, the shop's returns); ``export`` writes the CSV
tables and ``api`` serves the JSON and the CSV to the console. docs/reports.md has the
definitions in words.
"""
