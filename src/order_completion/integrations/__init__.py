"""Adapters to systems the service does not own: order management, inventory, customer records,
billing and the customer's mailbox. Each takes and returns plain values and raises an
``errors.IntegrationFailure`` that says whether trying again may help."""
