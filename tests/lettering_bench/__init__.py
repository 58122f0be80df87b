"""A deterministic generator of lettered ledgers and the scoring of a letterer against it
(used by ``tests/core/test_lettering_bench.py`` and ``bench/bench_lettering_quality.py``)."""
