"""API keys: issued once, stored only as SHA-256 hashes, each bound to one namespace."""
