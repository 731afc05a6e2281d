"""Domain rules of the models API: what is allowed, independent of HTTP and of DynamoDB."""
