"""What the tests share: helpers and constants, grouped by subject. Test modules import from
here, never from one another; ``tests/conftest.py`` holds only fixtures."""
