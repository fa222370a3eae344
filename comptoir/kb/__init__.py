"""The knowledge base: editors' markdown articles, indexed for hybrid search."""
