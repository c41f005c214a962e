from steward.cli.main import run

run()
