"""`python -m wyoming_voice.gpu_check`: wiring only."""

import sys

from .check import main

sys.exit(main())
