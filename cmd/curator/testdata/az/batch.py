"""Runs az CLI commands in one process (TestAzCLI).

Each line of stdin is a JSON list of arguments, e.g. ["sig", "show", "-r",
"acme"]; each is run as /usr/bin/az runs its command line
(azure.cli.core.get_default_cli().invoke) and answered with one JSON line on
stdout: {"code": exit code, "out": what it printed, "err": its errors}.
The az CLI takes seconds to start; one process pays that once for a whole
suite. AZURE_CONFIG_DIR is read when this process starts.
"""
import contextlib
import io
import json
import logging
import os
import sys
import tempfile

from azure.cli.core import get_default_cli

answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
stderr_fd = os.dup(2)
for line in sys.stdin:
    args = json.loads(line)
    out = io.StringIO()
    # Errors are logged by knack's handlers to the process's stderr:
    # capture file descriptor 2 itself.
    with tempfile.TemporaryFile() as err, contextlib.redirect_stdout(out):
        sys.stderr.flush()
        os.dup2(err.fileno(), 2)
        try:
            code = get_default_cli().invoke(args, out_file=out)
        except SystemExit as e:  # argument errors exit
            code = e.code if isinstance(e.code, int) else 1
        finally:
            for h in logging.getLogger().handlers + logging.getLogger("cli").handlers:
                h.flush()
            sys.stderr.flush()
            os.dup2(stderr_fd, 2)
        err.seek(0)
        errors = err.read().decode("utf-8", "replace")
    answers.write(json.dumps({"code": code, "out": out.getvalue(), "err": errors}) + "\n")
    answers.flush()
