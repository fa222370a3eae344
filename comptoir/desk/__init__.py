"""The desk: Comptoir's web service for the chat widget (and, later, the agent console)."""
