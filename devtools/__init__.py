"""Development tools shared by the tests, the benchmarks and the scripts in scripts/: a local
PostgreSQL, sample events, pb's environment, the generator of derived files. Not part of the
built collection. Run the command-line ones from the checkout's root: ``python -m devtools.NAME``."""
