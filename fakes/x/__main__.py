"""`python -m fakes.x --port N`: the fake X standalone (prints FAKE_X_READY <base url>)."""

import sys

from fakes.x.server import main

sys.exit(main())
