"""Shared pytest options."""


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="Rewrite tests/golden/<spec>.json from the current `analyze --format json` "
             "output (each is still checked against the framework facts first).",
    )
