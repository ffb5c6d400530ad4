"""Embeddings, vector stores, the BM25 index and the chunk catalog (imports no other project package but byraad)."""
