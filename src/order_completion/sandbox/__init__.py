"""Sandbox peers: TMF622 Product Ordering, TMF637 Product Inventory and TMF629 Customer
Management v4 on one port, storing what they receive in SQLite, notifying hub listeners and
failing on command, so the service's adapters can be tried and tested without the real
systems."""
