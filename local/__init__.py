"""The local stack: the template's resources on moto, and a gateway that serves its routes."""
