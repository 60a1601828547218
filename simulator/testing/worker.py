"""Imported once by the process a batch's workers fork from (the forkserver of
simulator/testing/batch.py): it builds the in-memory AWS and warms it, so each worker starts as a
copy of a warm process instead of importing and building everything itself.

Its prints go to stderr, as the workers' do: the parent's stdout carries JSON records only.
"""

from __future__ import annotations

import sys
import traceback

sys.stdout = sys.stderr

try:
    from simulator.paths import use_lambda_path

    use_lambda_path()  # the forkserver does not get the parent's sys.path before its preload
    from simulator.testing.warm import process_aws, warm_up

    warm_up(process_aws())
except Exception:  # a worker then builds its own AWS and meets the same error in its calls
    traceback.print_exc()
