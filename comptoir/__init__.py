"""Comptoir: a self-hosted, French-first customer-support chatbot for online shops."""

__version__ = "0.1.0"
