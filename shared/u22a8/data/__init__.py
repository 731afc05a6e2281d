"""Data access: the only code that talks to AWS. It maps items to domain objects and back."""
