"""Order Completion: the TM Forum eTOM process Complete Customer Order (1.3.3.4) as a service.

Importing the package does nothing but define the version; everything is built by
`bootstrap.build_services()`.
"""

__version__ = "0.1.0"
