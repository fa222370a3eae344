"""The shop's data: orders, shipments, tracking events (and, later, returns and policy)."""
