"""The entities and errors every layer shares: plain dataclasses, enums and checks, no I/O."""
