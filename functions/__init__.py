"""One thin entry point per Lambda function; the logic lives in the shared ``u22a8`` layer."""
