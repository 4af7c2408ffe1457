from shapecalc.cli import run

run()
