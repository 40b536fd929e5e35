"""The web pages: a layout every page shares (``shell``), staff sign-in, and the operations
workspace. Pages call the same command handlers and read models as the API."""
