"""`python -m corpus_tools.cli`: the same command line as `corpus-tools` (for environments without the script)."""

from corpus_tools.cli import main

if __name__ == "__main__":
    main(prog_name="corpus-tools")
