from sota.cli import cli

cli(prog_name="sota")
