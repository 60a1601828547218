"""The shared core: settings, observability, errors, clock, money, phone, hashing, circuit."""
