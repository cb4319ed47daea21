import os
import sys

# Tests run straight from the source tree (`pytest python/`), without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
