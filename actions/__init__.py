"""Comptoir's custom actions, served by the rasa-sdk action server (Python 3.11)."""
