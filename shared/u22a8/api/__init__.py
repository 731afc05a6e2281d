"""HTTP edge: request schemas, response mapping, problem details and the shared resolver setup."""
