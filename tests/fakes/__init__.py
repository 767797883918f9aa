"""Local stand-ins for external services, served on loopback ports during tests."""
