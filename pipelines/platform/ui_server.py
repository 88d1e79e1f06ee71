"""`make ui`: `dagster dev` that stops on Ctrl-C or SIGTERM however it was started.

A shell without job control (a script's `make ui &`, nohup, some supervisors) starts its
background jobs with SIGINT ignored, and `dagster dev` maps SIGTERM to SIGINT's handler
(dagster/_utils/interrupts.py): it then ignored both, and its webserver and daemon outlived
every `kill` but SIGKILL (operator and newcomer probes). SIGINT's default restored before the exec
lets Python install its KeyboardInterrupt handler, as in a terminal. On a Dagster upgrade, check
that `make ui &` in a script and then `kill %1` stops every process."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # an ignored signal stays ignored across exec
    dagster = Path(sys.executable).with_name("dagster")
    os.execv(dagster, [str(dagster), "dev", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
